import Foundation
import XCTest

/// SIGINT and SIGTERM cancel the running operation, so the library can undo what it started, and exit 130.
///
/// These run the real binary: signal handling belongs to the process (`EntryPoint.main()`), which in-process runs
/// leave alone.
final class InterruptTests: XCTestCase {
  func testInterruptedCheckpointRunStopsAndSaysSo() throws {
    let start = Date()
    let result = try BinaryRunner.run(
      ["checkpoint", "1", "--count", "100000000", "--backend", "simulator", "--json", "--log-level", "debug"],
      signalWhenStandardErrorShows: "suspending")
    XCTAssertEqual(result.status, 130, result.stderr)
    XCTAssertLessThan(Date().timeIntervalSince(start), 20, "the run must stop soon after the signal")
    let error = try result.jsonError()
    XCTAssertEqual(error.kind, "interrupted")
    XCTAssertTrue(error.message.hasPrefix("stopped after "), error.message)
  }

  func testInterruptedSuspendWithdrawsAndExits() throws {
    let result = try BinaryRunner.run(
      ["suspend", "1", "--backend", "simulator", "--simulate", "stuck", "--timeout", "60s", "--log-level", "debug"],
      signalWhenStandardErrorShows: "suspending")
    XCTAssertEqual(result.status, 130, result.stderr)
    XCTAssertEqual(result.errorLines.count, 1, result.stderr)
    XCTAssertTrue(result.stderr.contains("interrupted"), result.stderr)
  }

  func testTerminatedSuspendWithdrawsAndExits() throws {
    let result = try BinaryRunner.run(
      ["suspend", "1", "--backend", "simulator", "--simulate", "stuck", "--timeout", "60s", "--log-level", "debug"],
      signalWhenStandardErrorShows: "suspending", signal: SIGTERM)
    XCTAssertEqual(result.status, 130, result.stderr)
    XCTAssertEqual(result.errorLines.count, 1, result.stderr)
    XCTAssertTrue(result.stderr.contains("interrupted"), result.stderr)
  }
}
