import Foundation
import XCTest

/// `xen-resume suspend` on simulated guests.
final class SuspendCommandTests: XCTestCase {
  func testJSONReportsPathAndDuration() async throws {
    let result = await CLIRunner.simulated(["suspend", "1", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let document = try result.jsonObject()
    XCTAssertEqual(Set(document.keys), ["backend", "domain", "guestType", "path", "durationMicroseconds", "stages"])
    XCTAssertEqual(document["backend"] as? String, "simulator")
    XCTAssertEqual(document["domain"] as? Int, 1)
    XCTAssertEqual(document["guestType"] as? String, "pv")
    XCTAssertEqual(document["path"] as? String, "xenstoreControl")
    XCTAssertGreaterThanOrEqual(try XCTUnwrap(document["durationMicroseconds"] as? Double), 0)
  }

  func testEachGuestTypeTakesItsPath() async throws {
    let expected: [(String, String)] = [
      ("2", "xenstoreControl"), ("3", "xenstoreControl"), ("4", "eventChannel"), ("5", "hypervisorShutdown"),
      ("6", "xenstoreControl"),
    ]
    for (domain, path) in expected {
      let result = await CLIRunner.simulated(["suspend", domain, "--timeout", "10s", "--json"])
      XCTAssertEqual(result.status, 0, "domain \(domain): \(result.stderr)")
      let document = try result.jsonObject()
      XCTAssertEqual(document["path"] as? String, path, "domain \(domain)")
      // The simulated guests answer at once and every wait is event-driven: a suspend that took anywhere near
      // its timeout ran into the deadline instead of being woken.
      let duration = try XCTUnwrap(document["durationMicroseconds"] as? Double)
      XCTAssertLessThan(duration, 5_000_000, "domain \(domain) (\(path)) waited for its deadline")
    }
  }

  func testForcedPathAGuestCannotTakeIsRefused() async throws {
    let result = await CLIRunner.simulated(["suspend", "1", "--path", "shutdown", "--json"])
    XCTAssertEqual(result.status, 1)
    XCTAssertEqual(try result.jsonError().kind, "refused")
  }

  func testForcedXenstorePathOnEventChannelGuest() async throws {
    let result = await CLIRunner.simulated(["suspend", "4", "--path", "xenstore", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertEqual(try result.jsonObject()["path"] as? String, "xenstoreControl")
  }

  func testTextNamesTheDomainAndPath() async throws {
    let result = await CLIRunner.simulated(["suspend", "4"])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertTrue(result.stdout.contains("domain 4"), result.stdout)
    XCTAssertTrue(result.stdout.contains("event-channel"), result.stdout)
  }

  func testGuestThatNeverAcknowledgesTimesOut() async throws {
    let result = await CLIRunner.simulated(["suspend", "1", "--simulate", "stuck", "--timeout", "200ms", "--json"])
    XCTAssertEqual(result.status, 75)
    let error = try result.jsonError()
    XCTAssertEqual(error.kind, "timeout")
    XCTAssertTrue(error.message.contains("withdrawn"), error.message)
  }

  func testDomainZeroIsRefused() async throws {
    let result = await CLIRunner.simulated(["suspend", "0", "--json"])
    XCTAssertEqual(result.status, 1)
    XCTAssertEqual(try result.jsonError().kind, "refused")
  }

  func testUnknownDomainIsNotFound() async throws {
    let result = await CLIRunner.simulated(["suspend", "42"])
    XCTAssertEqual(result.status, 66)
    XCTAssertEqual(result.errorLines.count, 1, result.stderr)
    XCTAssertEqual(result.stdout, "")
  }

  func testDebugLoggingGoesToStderr() async throws {
    let result = await CLIRunner.simulated(["suspend", "1", "--log-level", "debug", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertTrue(result.stderr.contains("suspending"), result.stderr)
    _ = try result.jsonObject()
  }
}
