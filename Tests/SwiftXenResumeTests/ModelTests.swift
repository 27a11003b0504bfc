import XCTest

@testable import SwiftXenResume

final class DomainInfoTests: XCTestCase {
  func testShutdownReasonIsDecodedFromTheFlagsWordOnlyWhenTheShutdownBitIsSet() {
    let suspended = DomainInfo(domain: 7, flags: [.shutdown(code: 2), .hvmGuest])
    XCTAssertEqual(suspended.shutdownReason, .suspend)
    XCTAssertTrue(suspended.isSuspended)
    XCTAssertTrue(suspended.isHVM)

    let running = DomainInfo(domain: 7, flags: DomainInfo.Flags(rawValue: 0xFF << 16))
    XCTAssertNil(running.shutdownReason)
    XCTAssertFalse(running.isSuspended)
  }
}
