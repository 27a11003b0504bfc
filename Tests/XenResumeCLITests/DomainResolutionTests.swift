import SwiftXenResume
import XCTest
import XenSimulator

@testable import XenResumeCLI

/// The resolver itself, against simulators set up as the command line cannot set them up: twins, and domains that
/// have no name.
final class DomainResolutionTests: XCTestCase {
  func testIDsAreTakenAsTheyAreAndNamesAreLookedUp() throws {
    let host = SimulatedXenHost()
    host.createDomain(.pv(), name: "db")
    let web = host.createDomain(.hvm(), name: "web1")
    XCTAssertEqual(try DomainResolution.resolve(.id(42), on: host), 42, "a missing id is the command's business")
    XCTAssertEqual(try DomainResolution.resolve(.name("web1"), on: host), web)
    XCTAssertEqual(try DomainResolution.resolve(.name("Domain-0"), on: host), .dom0)
  }

  func testTwinsAreAmbiguousAndTheErrorListsTheirIDs() throws {
    let host = SimulatedXenHost()
    let first = host.createDomain(.pv(), name: "web1")
    host.createDomain(.pv(), name: "db")
    let second = host.createDomain(.pvh(), name: "web1")
    XCTAssertThrowsError(try DomainResolution.resolve(.name("web1"), on: host)) { error in
      let failure = error as? CommandFailure
      XCTAssertEqual(failure?.kind, .usage)
      XCTAssertEqual(
        failure?.message, "2 domains are named 'web1' (ids \(first), \(second)); give the id of the one you mean")
    }
  }

  func testAnUnknownNameIsNotFound() throws {
    let host = SimulatedXenHost()
    host.createDomain(.pv(), name: "db")
    XCTAssertThrowsError(try DomainResolution.resolve(.name("web1"), on: host)) { error in
      XCTAssertEqual((error as? CommandFailure)?.kind, .domainNotFound)
    }
  }

  func testAFailingListingIsAXenCallFailure() throws {
    let host = SimulatedXenHost()
    host.injectFault(.domainList, errno: .notPermitted)
    XCTAssertThrowsError(try DomainResolution.resolve(.name("db"), on: host)) { error in
      XCTAssertEqual((error as? XenCallError)?.call, "xc_domain_getinfolist(all)")
    }
  }

  func testADomainWithoutANameNodeHasNoName() throws {
    let host = SimulatedXenHost()
    let guest = host.createDomain(.pv(), name: "db")
    try host.remove(DomainResolution.namePath(of: guest))
    XCTAssertNil(try DomainResolution.name(of: guest, on: host))
    XCTAssertThrowsError(try DomainResolution.resolve(.name("db"), on: host))
  }

  func testArgumentsParseToIDsOrNames() throws {
    XCTAssertEqual(try DomainArgument.parse("7"), .id(7))
    XCTAssertEqual(try DomainArgument.parse(" 0 "), .id(.dom0))
    XCTAssertEqual(try DomainArgument.parse("web1"), .name("web1"))
    XCTAssertEqual(try DomainArgument.parse("Domain-0"), .name("Domain-0"))
    XCTAssertEqual(try DomainArgument.parse("1.5"), .name("1.5"))
    for bad in ["", "  ", "32752", "a/b", "-x", "tab\tname"] {
      XCTAssertThrowsError(try DomainArgument.parse(bad), "'\(bad)'")
    }
  }
}

/// One domain's status line, for domains the command line cannot produce on a fresh simulator.
final class StatusLineTests: XCTestCase {
  func testADyingDomainStillHasAStatus() async throws {
    let host = SimulatedXenHost()
    let guest = host.createDomain(.pv(), name: "db")
    try host.destroyDomain(guest, lingering: true)
    let controller = SuspendController(host: host)
    let status = try await StatusCommand.status(of: guest, controller: controller, host: host)
    XCTAssertEqual(status.state, .dying)
    XCTAssertNil(status.name, "libxl removed its home, name and all")
  }

  func testADomainWithoutANameHasANullName() async throws {
    let host = SimulatedXenHost()
    let guest = host.createDomain(.pv())
    try host.remove(DomainResolution.namePath(of: guest))
    let status = try await StatusCommand.status(of: guest, controller: SuspendController(host: host), host: host)
    XCTAssertNil(status.name)
    XCTAssertTrue(JSONOutput.encode(status).contains(#""name":null"#), JSONOutput.encode(status))
  }
}
