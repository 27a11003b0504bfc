import Foundation
import XCTest

/// `xen-resume resume` on simulated guests; each run starts its own simulator, hence `--suspend-first`.
final class ResumeCommandTests: XCTestCase {
  func testResumeOfRunningDomainIsNotSuspended() async throws {
    let result = await CLIRunner.simulated(["resume", "1", "--json"])
    XCTAssertEqual(result.status, 1)
    XCTAssertEqual(try result.jsonError().kind, "notSuspended")
    XCTAssertEqual(result.errorLines.count, 1, result.stderr)
  }

  func testFastResumeAfterSuspendFirst() async throws {
    let result = await CLIRunner.simulated(["resume", "1", "--suspend-first", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let document = try result.jsonObject()
    XCTAssertEqual(Set(document.keys), ["backend", "domain", "mode", "durationMicroseconds", "stages"])
    XCTAssertEqual(document["mode"] as? String, "fast")
    XCTAssertEqual(document["domain"] as? Int, 1)
    XCTAssertNotNil(document["durationMicroseconds"] as? Double)
  }

  func testSlowResumeOfPVAwareGuestNeedsConfirmation() async throws {
    for domain in ["1", "3", "6"] {
      let result = await CLIRunner.simulated(["resume", domain, "--slow", "--suspend-first", "--json"])
      XCTAssertEqual(result.status, 1, "domain \(domain)")
      let error = try result.jsonError()
      XCTAssertEqual(error.kind, "refused")
      XCTAssertTrue(error.message.contains("register_vcpu_info failed"), error.message)
      XCTAssertTrue(error.message.contains("Linux 6.1"), error.message)
      XCTAssertTrue(error.message.contains("--confirm-slow"), error.message)
    }
  }

  func testConfirmedSlowResumeOfGenericPVGuestWorks() async throws {
    let result = await CLIRunner.simulated(["resume", "1", "--slow", "--confirm-slow", "--suspend-first", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertEqual(try result.jsonObject()["mode"] as? String, "slow")
  }

  func testConfirmedSlowResumeOfLinuxGuestWarnsThatItDied() async throws {
    let result = await CLIRunner.simulated([
      "resume", "1", "--simulate", "linux-pv", "--slow", "--confirm-slow", "--suspend-first",
    ])
    XCTAssertEqual(result.status, 0, "the resume itself succeeds, as on real Xen: \(result.stderr)")
    XCTAssertTrue(result.stderr.contains("did not survive: register_vcpu_info failed"), result.stderr)
  }

  func testSlowResumeOfHVMGuestNeedsNoConfirmation() async throws {
    let result = await CLIRunner.simulated(["resume", "5", "--slow", "--suspend-first"])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertTrue(result.stdout.contains("resumed (slow)"), result.stdout)
  }

  func testUncooperativeResumeOfHVMGuest() async throws {
    let result = await CLIRunner.simulated(["resume", "5", "--uncooperative", "--suspend-first", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertEqual(try result.jsonObject()["mode"] as? String, "uncooperative")
  }

  func testDomainZeroIsRefused() async throws {
    let result = await CLIRunner.simulated(["resume", "0", "--json"])
    XCTAssertEqual(result.status, 1)
    XCTAssertEqual(try result.jsonError().kind, "refused")
  }

  func testUnknownDomainIsNotFound() async throws {
    let result = await CLIRunner.simulated(["resume", "9", "--json"])
    XCTAssertEqual(result.status, 66)
    XCTAssertEqual(try result.jsonError().kind, "domainNotFound")
  }

  func testTwoModesAtOnceIsAUsageError() async throws {
    let result = await CLIRunner.simulated(["resume", "1", "--fast", "--slow"])
    XCTAssertEqual(result.status, 64)
  }

  func testConfirmSlowWithoutSlowIsAUsageError() async throws {
    let result = await CLIRunner.simulated(["resume", "1", "--confirm-slow", "--json"])
    XCTAssertEqual(result.status, 64)
    XCTAssertEqual(try result.jsonError().kind, "usage")
  }
}
