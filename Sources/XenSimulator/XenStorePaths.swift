import SystemPackage
@_spi(XenHostBackends) import XenResumeCore

/// xenstored's path rules: what a valid node name is, and how paths nest.
enum XenStorePaths {
  /// The longest absolute path xenstored accepts (`XENSTORE_ABS_PATH_MAX`).
  static let maximumLength = 3072

  /// The special paths a watch may name; they are not nodes.
  static let specialPaths: Set<String> = [XenStorePath.releaseDomain, introduceDomain]

  /// `@introduceDomain`: fires when a domain is introduced to xenstored.
  static let introduceDomain = "@introduceDomain"

  /// Turns a caller's path into an absolute one: relative paths are relative to the caller's home, as in
  /// xenstored. Throws EINVAL for anything xenstored would reject.
  static func canonical(_ path: String, caller: DomainID) throws -> String {
    let absolute = path.hasPrefix("/") ? path : XenStorePath.home(of: caller) + "/" + path
    guard isValid(absolute) else { throw Errno.invalidArgument }
    return absolute
  }

  /// Whether an absolute path is a valid node name: `/`, or `/`-separated non-empty components of letters,
  /// digits and `-_@`, no trailing slash.
  static func isValid(_ path: String) -> Bool {
    guard path.hasPrefix("/"), path.utf8.count <= maximumLength else { return false }
    if path == "/" { return true }
    guard !path.hasSuffix("/") else { return false }
    var previousWasSlash = false
    for byte in path.utf8 {
      if byte == UInt8(ascii: "/") {
        if previousWasSlash { return false }
        previousWasSlash = true
        continue
      }
      previousWasSlash = false
      guard isNameByte(byte) else { return false }
    }
    return true
  }

  private static func isNameByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "@"):
      true
    default:
      false
    }
  }

  /// The parent of a node, `nil` for the root.
  static func parent(of path: String) -> String? {
    guard path != "/", let slash = path.lastIndex(of: "/") else { return nil }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  /// The last component of a path.
  static func name(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
  }

  /// A child's path.
  static func child(_ name: String, of parent: String) -> String {
    parent == "/" ? "/" + name : parent + "/" + name
  }

  /// The path itself and every ancestor up to the root.
  static func selfAndAncestors(of path: String) -> [String] {
    var result = [path]
    var current = path
    while let parent = parent(of: current) {
      result.append(parent)
      current = parent
    }
    return result
  }

  /// The domain whose `control/shutdown` node a path is, if it is one.
  static func domainOfControlShutdown(_ path: String) -> DomainID? {
    domain(ofNode: "/control/shutdown", path)
  }

  /// The domain whose `device/suspend/event-channel` node a path is, if it is one.
  static func domainOfSuspendEventChannel(_ path: String) -> DomainID? {
    domain(ofNode: "/device/suspend/event-channel", path)
  }

  /// The domain whose `console` directory, or a node below it, a path is, if it is one: what xenconsoled watches.
  static func domainOfConsoleNode(_ path: String) -> DomainID? {
    let prefix = "/local/domain/"
    guard path.hasPrefix(prefix) else { return nil }
    let rest = path.dropFirst(prefix.count)
    guard let slash = rest.firstIndex(of: "/") else { return nil }
    let below = rest[slash...]
    guard below == "/console" || below.hasPrefix("/console/") else { return nil }
    return DomainID(String(rest[..<slash]))
  }

  /// The domain whose node `suffix` (below its home) a path is, if it is one.
  private static func domain(ofNode suffix: String, _ path: String) -> DomainID? {
    let prefix = "/local/domain/"
    guard path.hasPrefix(prefix), path.hasSuffix(suffix), path.count > prefix.count + suffix.count else {
      return nil
    }
    let digits = path.dropFirst(prefix.count).dropLast(suffix.count)
    return DomainID(String(digits))
  }
}
