import Foundation
import XCTest

/// `xen-resume checkpoint` on simulated guests.
final class CheckpointCommandTests: XCTestCase {
  func testTwoHundredCyclesReportDistributionAndHostCalls() async throws {
    let result = await CLIRunner.simulated(["checkpoint", "1", "--count", "200", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let document = try result.jsonObject()
    XCTAssertEqual(
      Set(document.keys),
      [
        "backend", "domain", "guestType", "path", "count", "succeeded", "pauseMicroseconds", "stageMicroseconds",
        "hostCallsPerCycle", "hostCalls",
      ])
    XCTAssertEqual(document["count"] as? Int, 200)
    XCTAssertEqual(document["succeeded"] as? Int, 200)
    XCTAssertEqual(document["guestType"] as? String, "pv")
    XCTAssertEqual(document["path"] as? String, "xenstoreControl")
    let pause = try XCTUnwrap(document["pauseMicroseconds"] as? [String: Any])
    XCTAssertEqual(Set(pause.keys), ["min", "p50", "p90", "p99", "max", "mean"])
    let values = try ["min", "p50", "p90", "p99", "max"].map { try XCTUnwrap(pause[$0] as? Double) }
    XCTAssertEqual(values, values.sorted(), "percentiles must not decrease: \(pause)")
    let mean = try XCTUnwrap(pause["mean"] as? Double)
    XCTAssertTrue(values[0] <= mean && mean <= values[4] + 1, "\(pause)")
    let calls = try XCTUnwrap(document["hostCalls"] as? [String: Int])
    XCTAssertEqual(calls["xs_write"].map { $0 >= 200 }, true, "one control-node write per cycle: \(calls)")
    let perCycle = try XCTUnwrap(document["hostCallsPerCycle"] as? Double)
    XCTAssertEqual(perCycle, Double(calls.values.reduce(0, +)) / 200, accuracy: 1e-9)
    XCTAssertFalse(result.stderr.contains("cycles"), "no progress line with --json: \(result.stderr)")
  }

  func testTextShowsPercentilesAndProgress() async throws {
    let result = await CLIRunner.simulated([
      "checkpoint", "4", "--count", "20", "--interval", "1ms", "--timeout", "10s",
    ])
    XCTAssertEqual(result.status, 0, result.stderr)
    for word in ["p50", "p90", "p99", "max", "mean", "host calls per cycle", "event-channel"] {
      XCTAssertTrue(result.stdout.contains(word), "\(word) missing from: \(result.stdout)")
    }
    let progress = result.stderr.split(separator: "\n").filter { $0.contains("cycles") }
    XCTAssertGreaterThanOrEqual(progress.count, 1, result.stderr)
    XCTAssertLessThan(progress.count, 20, "progress is rate-limited, not one line per cycle")
  }

  func testEveryGuestTypeCheckpoints() async throws {
    for domain in 1...6 {
      let result = await CLIRunner.simulated(["checkpoint", "\(domain)", "--count", "5", "--timeout", "10s", "--json"])
      XCTAssertEqual(result.status, 0, "domain \(domain): \(result.stderr)")
      XCTAssertEqual(try result.jsonObject()["succeeded"] as? Int, 5, "domain \(domain)")
    }
  }

  func testStuckGuestTimesOutOnTheFirstCycle() async throws {
    let result = await CLIRunner.simulated([
      "checkpoint", "1", "--simulate", "stuck", "--count", "3", "--timeout", "100ms", "--json",
    ])
    XCTAssertEqual(result.status, 75)
    let error = try result.jsonError()
    XCTAssertEqual(error.kind, "timeout")
    XCTAssertTrue(error.message.hasPrefix("cycle 1 of 3 failed"), error.message)
  }

  func testZeroOrNegativeCountIsAUsageError() async throws {
    for count in ["0", "-3", "many"] {
      let result = await CLIRunner.simulated(["checkpoint", "1", "--count", count, "--json"])
      XCTAssertEqual(result.status, 64, "--count \(count)")
      XCTAssertEqual(try result.jsonError().kind, "usage")
    }
  }
}
