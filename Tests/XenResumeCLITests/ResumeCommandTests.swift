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

  func testSlowResumeWithoutASoftResetNeedsConfirmation() async throws {
    // Domain 1 is PV (no soft reset exists for it); 3 and 6 are PVHVM and PVH, asked for the resumedomain-only path.
    for (domain, extra) in [("1", [String]()), ("3", ["--without-soft-reset"]), ("6", ["--without-soft-reset"])] {
      let result = await CLIRunner.simulated(["resume", domain, "--slow", "--suspend-first", "--json"] + extra)
      XCTAssertEqual(result.status, 1, "domain \(domain)")
      let error = try result.jsonError()
      XCTAssertEqual(error.kind, "refused")
      XCTAssertTrue(error.message.contains("register_vcpu_info failed"), error.message)
      XCTAssertTrue(error.message.contains("Linux 6.1"), error.message)
      XCTAssertTrue(error.message.contains("--confirm-slow"), error.message)
      XCTAssertEqual(error.message.contains("--slow alone"), domain != "1", error.message)
    }
  }

  func testSlowResumeOfPVHAndPVHVMGuestsSoftResetsWithoutConfirmation() async throws {
    for domain in ["3", "6"] {
      let result = await CLIRunner.simulated(["resume", domain, "--slow", "--suspend-first", "--json"])
      XCTAssertEqual(result.status, 0, "domain \(domain): \(result.stderr)")
      let document = try result.jsonObject()
      XCTAssertEqual(document["mode"] as? String, "slow")
      let stages = (document["stages"] as? [[String: Any]])?.compactMap { $0["stage"] as? String }
      XCTAssertEqual(
        stages, ["stateChecked", "softReset", "channelsRebuilt", "domainResumed", "xenstoreResumed"],
        "domain \(domain)")
    }
    // A Linux 6.1 model survives it: no warning that the guest died.
    let linux = await CLIRunner.simulated([
      "resume", "1", "--simulate", "linux-pvh", "--slow", "--suspend-first",
    ])
    XCTAssertEqual(linux.status, 0, linux.stderr)
    XCTAssertFalse(linux.stderr.contains("did not survive"), linux.stderr)
  }

  func testWithoutSoftResetWithoutSlowIsAUsageError() async throws {
    let result = await CLIRunner.simulated(["resume", "1", "--without-soft-reset", "--suspend-first"])
    XCTAssertEqual(result.status, 64, result.stderr)
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
