import Foundation
import XCTest

/// `xen-resume status` on the simulator's default guests: pv64, pv32, pvhvm, pvhvm-evtchn, hvm, pvh.
final class StatusCommandTests: XCTestCase {
  func testJSONDescribesEveryDefaultGuest() async throws {
    let result = await CLIRunner.simulated(["status", "1", "2", "3", "4", "5", "6", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let document = try result.jsonObject()
    XCTAssertEqual(Set(document.keys), ["backend", "domains"])
    XCTAssertEqual(document["backend"] as? String, "simulator")
    let domains = try XCTUnwrap(document["domains"] as? [[String: Any]])
    XCTAssertEqual(domains.count, 6)
    for domain in domains {
      XCTAssertEqual(
        Set(domain.keys),
        ["domain", "name", "guestType", "width", "state", "shutdownReason", "suspendPath", "pathReason"])
      XCTAssertTrue(domain["shutdownReason"] is NSNull, "a running domain has a null shutdown reason")
      XCTAssertEqual(domain["state"] as? String, "running")
      XCTAssertFalse(try XCTUnwrap(domain["pathReason"] as? String).isEmpty)
    }
    XCTAssertEqual(domains.map { $0["domain"] as? Int }, [1, 2, 3, 4, 5, 6])
    XCTAssertEqual(domains.map { $0["guestType"] as? String }, ["pv", "pv", "pvhvm", "pvhvm", "hvm", "pvh"])
    XCTAssertEqual(domains.map { $0["width"] as? Int }, [64, 32, 64, 64, 64, 64])
    XCTAssertEqual(
      domains.map { $0["suspendPath"] as? String },
      [
        "xenstoreControl", "xenstoreControl", "xenstoreControl", "eventChannel", "hypervisorShutdown",
        "xenstoreControl",
      ])
  }

  func testWithoutADomainEveryDomainIsListedWithItsName() async throws {
    let result = await CLIRunner.simulated(["status", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let document = try result.jsonObject()
    XCTAssertEqual(Set(document.keys), ["backend", "domains"])
    let domains = try XCTUnwrap(document["domains"] as? [[String: Any]])
    XCTAssertEqual(domains.map { $0["domain"] as? Int }, [0, 1, 2, 3, 4, 5, 6])
    XCTAssertEqual(
      domains.map { $0["name"] as? String },
      ["Domain-0", "pv64-1", "pv32-2", "pvhvm-3", "pvhvm-evtchn-4", "hvm-5", "pvh-6"])
    for domain in domains {
      XCTAssertEqual(
        Set(domain.keys),
        ["domain", "name", "guestType", "width", "state", "shutdownReason", "suspendPath", "pathReason"])
    }
    XCTAssertTrue(domains[0]["suspendPath"] is NSNull, "\(domains[0])")
    XCTAssertTrue((domains[0]["pathReason"] as? String)?.contains("control domain") == true, "\(domains[0])")
    XCTAssertEqual(domains[4]["suspendPath"] as? String, "eventChannel")
  }

  func testTheListingAsTextIsATableWithNames() async throws {
    let result = await CLIRunner.simulated(["status", "--simulate", "hvm,pv"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let lines = result.stdout.split(separator: "\n")
    XCTAssertEqual(lines.count, 4, result.stdout)
    XCTAssertTrue(lines[0].hasPrefix("simulated: DOMAIN  NAME "), result.stdout)
    XCTAssertTrue(lines[1].hasPrefix("simulated: 0       Domain-0 "), result.stdout)
    XCTAssertTrue(lines[2].hasPrefix("simulated: 1       hvm-1 "), result.stdout)
    XCTAssertTrue(lines[3].hasPrefix("simulated: 2       pv64-2 "), result.stdout)
  }

  func testTextIsATableWithOneLinePerDomain() async throws {
    let result = await CLIRunner.simulated(["status", "5", "4"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let lines = result.stdout.split(separator: "\n")
    XCTAssertEqual(lines.count, 3, result.stdout)
    XCTAssertTrue(lines[0].hasPrefix("simulated: DOMAIN"), result.stdout)
    XCTAssertTrue(
      lines[1].hasPrefix("simulated: 5 ") && lines[1].contains("HVM") && lines[1].contains("shutdown"), result.stdout)
    XCTAssertTrue(lines[2].hasPrefix("simulated: 4 ") && lines[2].contains("event-channel"), result.stdout)
  }

  func testChosenGuestsAreNumberedFromOneInOrder() async throws {
    let result = await CLIRunner.simulated(["status", "1", "2", "3", "--simulate", "hvm,pv32,pv-evtchn", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let domains = try XCTUnwrap(try result.jsonObject()["domains"] as? [[String: Any]])
    XCTAssertEqual(domains.map { $0["guestType"] as? String }, ["hvm", "pv", "pv"])
    XCTAssertEqual(domains.map { $0["width"] as? Int }, [64, 32, 64])
    XCTAssertEqual(domains[2]["suspendPath"] as? String, "eventChannel")
  }

  func testDomainZeroHasNoSuspendPath() async throws {
    let result = await CLIRunner.simulated(["status", "0", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let domains = try XCTUnwrap(try result.jsonObject()["domains"] as? [[String: Any]])
    XCTAssertTrue(domains.first?["suspendPath"] is NSNull, "\(domains)")
    XCTAssertTrue((domains.first?["pathReason"] as? String)?.contains("control domain") == true, "\(domains)")
  }

  func testUnknownDomainIsNotFound() async throws {
    let result = await CLIRunner.simulated(["status", "1", "42", "--json"])
    XCTAssertEqual(result.status, 66)
    XCTAssertEqual(try result.jsonError().kind, "domainNotFound")
    XCTAssertEqual(result.errorLines.count, 1, result.stderr)
  }
}
