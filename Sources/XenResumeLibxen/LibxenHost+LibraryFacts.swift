internal import CXen

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

extension LibxenHost {
  /// Which libxenctrl this binary was built for, and what the backend does differently because of it.
  ///
  /// libxenctrl's API and ABI change with every Xen release, so a binary built against one release's libxen-dev runs
  /// only with that release's libraries (and hypervisor). These facts let an operator, or the real-Xen lab, see which
  /// one that was without the build log.
  public struct LibraryFacts: Sendable, Hashable, CustomStringConvertible {
    /// The Xen release of the libxenctrl the binary is linked to, as "4.20", from the versioned name it loaded
    /// (`libxenctrl.so.4.20`). Each release has its own, so the name the binary was linked against is the one it
    /// loads. `nil` when libxenctrl is not a shared library in this process (a static link).
    public let release: String?
    /// The Xen public interface version of the headers the binary was built with (`__XEN_LATEST_INTERFACE_VERSION__`),
    /// as "4.19". It trails the release: 4.17's headers say "4.14", 4.20's say "4.19".
    public let publicInterfaceVersion: String
    /// `XEN_DOMCTL_INTERFACE_VERSION` of those headers (0x15 on Xen 4.17, 0x17 on 4.19 and 4.20): libxenctrl puts it
    /// in every domctl, and a hypervisor of another version refuses them with EACCES.
    public let domctlInterfaceVersion: UInt32
    /// The C call `domainInfo(_:)` makes: `xc_domain_getinfo_single` where libxenctrl has it (Xen 4.18 and later),
    /// else `xc_domain_getinfolist`.
    public let domainInfoCall: String

    /// `libxenctrl 4.20 (public interface 4.19, domctl interface 0x17), domain info through xc_domain_getinfo_single`.
    public var description: String {
      "libxenctrl \(release ?? "(not found)") (public interface \(publicInterfaceVersion), domctl interface 0x"
        + "\(String(domctlInterfaceVersion, radix: 16)), domain info through \(domainInfoCall)"
    }
  }

  /// The facts of the libxenctrl this binary was built for; reading them opens no Xen handle.
  public static let libraryFacts = LibraryFacts(
    release: LibraryFacts.linkedRelease(),
    publicInterfaceVersion: LibraryFacts.versionText(UInt32(__XEN_LATEST_INTERFACE_VERSION__)),
    domctlInterfaceVersion: UInt32(XEN_DOMCTL_INTERFACE_VERSION),
    domainInfoCall: DomainInfoCall.installed.rawValue)
}

extension LibxenHost.LibraryFacts {
  /// "4.19" for Xen's 0x00041300 encoding (major in bits 16–23, minor in bits 8–15).
  static func versionText(_ encoded: UInt32) -> String {
    "\((encoded >> 16) & 0xFF).\((encoded >> 8) & 0xFF)"
  }

  /// The release in a versioned library file name: "4.20" for `/lib/x86_64-linux-gnu/libxenctrl.so.4.20` (or
  /// `libxenctrl.so.4.20.0`); `nil` for any other file.
  static func release(inLibraryPath path: String, library: String = "libxenctrl") -> String? {
    let name = path.split(separator: "/").last.map(String.init) ?? path
    let prefix = "\(library).so."
    guard name.hasPrefix(prefix) else { return nil }
    let numbers = name.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false)
    guard numbers.count >= 2, numbers.allSatisfy({ !$0.isEmpty && $0.allSatisfy { ("0"..."9").contains($0) } }) else {
      return nil
    }
    return "\(numbers[0]).\(numbers[1])"
  }

  /// The files mapped into this process (`/proc/self/maps`'s path column, each once): the shared objects the dynamic
  /// linker loaded among them. Empty when `/proc` cannot be read. glibc's `dl_iterate_phdr` would say the same, but
  /// the Swift Glibc module is built without `_GNU_SOURCE`, which it needs.
  static func loadedLibraryPaths(maps: String = "/proc/self/maps") -> [String] {
    let descriptor = open(maps, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return [] }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16_384)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { break }
      bytes += chunk[0..<count]
    }
    var paths: [String] = []
    for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
      // address perms offset device inode path; the path is absent for anonymous mappings.
      guard let slash = line.firstIndex(of: "/") else { continue }
      let path = String(line[slash...])
      if paths.last != path && !paths.contains(path) { paths.append(path) }
    }
    return paths
  }

  /// The release of the libxenctrl loaded in this process, which is the one the binary was linked against.
  static func linkedRelease() -> String? {
    loadedLibraryPaths().lazy.compactMap { release(inLibraryPath: $0) }.first
  }
}
