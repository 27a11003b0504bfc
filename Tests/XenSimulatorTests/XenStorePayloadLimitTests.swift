import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// xenstore carries at most `XENSTORE_PAYLOAD_MAX` (4096) bytes per request, so no write, a guest's or the
/// toolstack's, can make a node hold more.
final class XenStorePayloadLimitTests: XCTestCase {
  func testAWriteWhosePayloadExceedsXenStoresLimitIsRefusedForGuestsAndTheToolstack() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let path = XenStorePath.controlShutdown(of: domain)
    // The payload is the path, a NUL and the value: 4096 bytes at most.
    let largest = String(repeating: "x", count: 4096 - path.utf8.count - 1)
    try host.writeAsGuest(path, value: largest, domain: domain)
    XCTAssertEqual(try host.read(path), largest)
    for write in [
      { try host.writeAsGuest(path, value: largest + "x", domain: domain) },
      { try host.write(path, value: largest + "x") },
    ] {
      XCTAssertThrowsError(try write()) { XCTAssertEqual(($0 as? XenCallError)?.errno, .argListTooLong) }
    }
    XCTAssertEqual(try host.read(path), largest, "a refused write changes nothing")
  }
}
