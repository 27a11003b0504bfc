import CXen
import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore

@testable import XenResumeLibxen

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Which libxenctrl the binary was built for, and the domain-info call it picked, held against the libxenctrl this
/// test process really loaded and the libxen-dev that is installed (Xen 4.17 on the host, 4.20 in the trixie root).
final class LibraryFactsTests: XCTestCase {
  private let facts = LibxenHost.libraryFacts

  /// The shim decides from a header fact (the domctl interface version); the loaded library says whether the function
  /// is really there. The getinfolist fallback must exist everywhere.
  func testTheDomainInfoCallIsTheOneTheLoadedLibxenctrlExports() {
    let exported = dlsym(nil, "xc_domain_getinfo_single") != nil
    XCTAssertNotNil(dlsym(nil, "xc_domain_getinfolist"), "libxenctrl is not loaded in this process")
    XCTAssertEqual(DomainInfoCall.installed == .single, exported)
    XCTAssertEqual(facts.domainInfoCall, exported ? "xc_domain_getinfo_single" : "xc_domain_getinfolist")
    XCTAssertEqual(facts.domainInfoCall, DomainInfoCall.installed.rawValue)
  }

  /// The release read from the loaded library's name is the one libxen-dev's pkg-config file (beside it) declares,
  /// and it has `xc_domain_getinfo_single` exactly from 4.18 on.
  func testTheReleaseIsTheInstalledLibxenDevs() throws {
    let release = try XCTUnwrap(
      facts.release, "no libxenctrl.so.X.Y among \(LibxenHost.LibraryFacts.loadedLibraryPaths())")
    let library = try XCTUnwrap(
      LibxenHost.LibraryFacts.loadedLibraryPaths().first { LibxenHost.LibraryFacts.release(inLibraryPath: $0) != nil })
    let directory = FilePath(library).removingLastComponent()
    let packageFile = directory.appending("pkgconfig").appending("xencontrol.pc")
    let text = try XCTUnwrap(readText(packageFile), "\(packageFile) is missing: is libxen-dev installed?")
    let version = try XCTUnwrap(
      text.split(separator: "\n").first { $0.hasPrefix("Version:") }?.dropFirst("Version:".count)
        .trimmingPrefix(" "))
    XCTAssertEqual(version.split(separator: ".").prefix(2).joined(separator: "."), release)

    let numbers = release.split(separator: ".").compactMap { Int($0) }
    XCTAssertEqual(numbers.count, 2)
    let hasSingle = numbers.lexicographicallyPrecedes([4, 18]) == false
    XCTAssertEqual(DomainInfoCall.installed == .single, hasSingle, "release \(release)")
  }

  /// The header facts: the public interface version trails the release (it never names a later one), and the domctl
  /// version is the one libxenctrl stamps on the resume domctl the backend fills.
  func testTheInterfaceVersionsAreTheHeadersAndTrailTheRelease() throws {
    XCTAssertEqual(facts.domctlInterfaceVersion, UInt32(XEN_DOMCTL_INTERFACE_VERSION))
    let interface = facts.publicInterfaceVersion.split(separator: ".").compactMap { Int($0) }
    XCTAssertEqual(interface.count, 2, facts.publicInterfaceVersion)
    XCTAssertEqual(interface.first, 4)
    let release = try XCTUnwrap(facts.release).split(separator: ".").compactMap { Int($0) }
    XCTAssertFalse(release.lexicographicallyPrecedes(interface), "\(facts)")
    XCTAssertTrue(facts.description.contains(facts.domainInfoCall), facts.description)
    XCTAssertTrue(facts.description.hasPrefix("libxenctrl \(try XCTUnwrap(facts.release)) "), facts.description)
  }

  func testVersionTextAndLibraryNamesAreDecoded() {
    XCTAssertEqual(LibxenHost.LibraryFacts.versionText(0x0004_1300), "4.19")
    XCTAssertEqual(LibxenHost.LibraryFacts.versionText(0x0004_0e00), "4.14")
    let names: [(String, String?)] = [
      ("/usr/lib/x86_64-linux-gnu/libxenctrl.so.4.20.0", "4.20"),
      ("/lib/x86_64-linux-gnu/libxenctrl.so.4.17", "4.17"),
      ("libxenctrl.so.4.21.1", "4.21"),
      ("/usr/lib/x86_64-linux-gnu/libxenctrl.so", nil),
      ("/usr/lib/x86_64-linux-gnu/libxenctrl.so.4", nil),
      ("/usr/lib/x86_64-linux-gnu/libxenctrl.so.4.x", nil),
      ("/usr/lib/x86_64-linux-gnu/libxenguest.so.4.20.0", nil),
      ("/usr/lib/x86_64-linux-gnu/libxenctrl.so.4.20.0/other", nil),
    ]
    for (path, release) in names {
      XCTAssertEqual(LibxenHost.LibraryFacts.release(inLibraryPath: path), release, path)
    }
  }

  // MARK: - Turning either call's outcome into info or the typed error

  private let domain: DomainID = 7
  private let missing = XenCallError(
    call: "xc_domain_getinfolist", domain: 7, errno: .noSuchProcess, hint: "no such domain")

  private func answer(domain: UInt16, count: Int32) -> (inout xc_domaininfo_t) throws(XenCallError) -> Int32 {
    { (info: inout xc_domaininfo_t) throws(XenCallError) -> Int32 in
      info.domain = domain
      info.tot_pages = 4096
      return count
    }
  }

  private func failing(_ errno: Errno) -> (inout xc_domaininfo_t) throws(XenCallError) -> Int32 {
    { (_: inout xc_domaininfo_t) throws(XenCallError) -> Int32 in
      throw XenCallError(.domainInfo, domain: 7, errno: errno, hint: "as controlCall made it; libxenctrl: gone")
    }
  }

  func testTheExactCallsESRCHIsTheSameTypedErrorAsBefore() throws {
    let error = try XCTUnwrap(
      libxenCaughtError { _ = try DomainInfoCall.single.info(of: 7, domid: 7, failing(.noSuchProcess)) })
    XCTAssertEqual(error, missing)
    XCTAssertEqual(error, DomainInfoCall.noSuchDomain(domain))
    XCTAssertEqual(error.call, XenHostOperation.domainInfo.rawValue)
  }

  func testTheListCallsMissingDomainIsTheSameTypedError() throws {
    for (returned, count) in [(UInt16(8), Int32(1)), (7, 0), (0, 0)] {
      let error = try XCTUnwrap(
        libxenCaughtError { _ = try DomainInfoCall.list.info(of: 7, domid: 7, answer(domain: returned, count: count)) })
      XCTAssertEqual(error, missing, "domain \(returned), count \(count)")
    }
  }

  /// Any other failure is the call's own controlCall error, untouched; for the list call ESRCH is too, as before.
  func testOtherFailuresPassThroughUnchanged() throws {
    let cases: [(DomainInfoCall, Errno)] = [
      (.single, .notPermitted), (.single, .permissionDenied), (.single, .invalidArgument),
      (.list, .notPermitted), (.list, .noSuchProcess),
    ]
    for (call, errno) in cases {
      let error = try XCTUnwrap(libxenCaughtError { _ = try call.info(of: 7, domid: 7, failing(errno)) })
      XCTAssertEqual(error.errno, errno, "\(call)")
      XCTAssertEqual(error.hint, "as controlCall made it; libxenctrl: gone", "\(call)")
    }
  }

  func testEachCallsSuccessIsTheDomainsInfo() throws {
    XCTAssertEqual(try DomainInfoCall.single.info(of: 7, domid: 7, answer(domain: 7, count: 0)).tot_pages, 4096)
    XCTAssertEqual(try DomainInfoCall.list.info(of: 7, domid: 7, answer(domain: 7, count: 1)).tot_pages, 4096)
    // Xen echoes the domain it looked up; another id is no answer about this one.
    let other = try XCTUnwrap(
      libxenCaughtError { _ = try DomainInfoCall.single.info(of: 7, domid: 7, answer(domain: 9, count: 0)) })
    XCTAssertEqual(other, missing)
  }

  private func readText(_ path: FilePath) -> String? {
    guard let descriptor = try? FileDescriptor.open(path, .readOnly) else { return nil }
    defer { try? descriptor.close() }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while let count = try? chunk.withUnsafeMutableBytes({ try descriptor.read(into: $0) }), count > 0 {
      bytes += chunk[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
