import Foundation
import XCTest

/// Domains named rather than numbered: `status`, `suspend`, `resume` and `checkpoint` resolve a name through the
/// host's xenstore, on the simulator's default guests (pv64-1, pv32-2, pvhvm-3, pvhvm-evtchn-4, hvm-5, pvh-6).
final class DomainNameTests: XCTestCase {
  func testStatusOfANameIsTheStatusOfItsDomain() async throws {
    let result = await CLIRunner.simulated(["status", "pvhvm-evtchn-4", "Domain-0", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let domains = try XCTUnwrap(try result.jsonObject()["domains"] as? [[String: Any]])
    XCTAssertEqual(domains.map { $0["domain"] as? Int }, [4, 0])
    XCTAssertEqual(domains.map { $0["name"] as? String }, ["pvhvm-evtchn-4", "Domain-0"])
    XCTAssertEqual(domains.first?["suspendPath"] as? String, "eventChannel")
  }

  func testSuspendByNameReportsTheID() async throws {
    let result = await CLIRunner.simulated(["suspend", "hvm-5", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let document = try result.jsonObject()
    XCTAssertEqual(document["domain"] as? Int, 5)
    XCTAssertEqual(document["path"] as? String, "hypervisorShutdown")
  }

  func testResumeByName() async throws {
    let result = await CLIRunner.simulated(["resume", "pv32-2", "--suspend-first", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertEqual(try result.jsonObject()["domain"] as? Int, 2)
  }

  func testCheckpointByName() async throws {
    let result = await CLIRunner.simulated(["checkpoint", "pvh-6", "--count", "3", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let document = try result.jsonObject()
    XCTAssertEqual(document["domain"] as? Int, 6)
    XCTAssertEqual(document["succeeded"] as? Int, 3)
  }

  func testChosenGuestsAreNamedAfterTheirTokenAndID() async throws {
    let result = await CLIRunner.simulated(["suspend", "stuck-2", "--simulate", "pv,stuck", "--timeout", "50ms"])
    XCTAssertEqual(result.status, 75, "the name found the stuck guest: \(result.stderr)")
    XCTAssertTrue(result.stderr.contains("domain 2"), result.stderr)
  }

  func testAnUnknownNameIsNotFound() async throws {
    for command in ["status", "suspend", "resume", "checkpoint"] {
      let result = await CLIRunner.simulated([command, "web1", "--json"])
      XCTAssertEqual(result.status, 66, "\(command): \(result.stderr)")
      let error = try result.jsonError()
      XCTAssertEqual(error.kind, "domainNotFound")
      XCTAssertEqual(error.message, "no domain is named 'web1' (see xen-resume status)")
      XCTAssertEqual(result.errorLines.count, 1, result.stderr)
    }
  }

  func testANameThatLooksLikeNothingElseIsStillAName() async throws {
    let result = await CLIRunner.simulated(["suspend", "1.5"])
    XCTAssertEqual(result.status, 66, result.stderr)
    XCTAssertEqual(result.stdout, "")
    XCTAssertEqual(result.stderr, "xen-resume: error: simulated: no domain is named '1.5' (see xen-resume status)\n")
  }
}
