import Foundation
import XCTest

/// SIGINT cancels the running operation, so the library can undo what it started, and exits 130.
final class InterruptTests: XCTestCase {
  func testInterruptedCheckpointRunStopsAndSaysSo() throws {
    let start = Date()
    let result = try CLIRunner.run(
      ["checkpoint", "1", "--count", "100000000", "--backend", "simulator", "--json"], interruptAfter: 1)
    XCTAssertEqual(result.status, 130, result.stderr)
    XCTAssertLessThan(Date().timeIntervalSince(start), 20, "the run must stop soon after the signal")
    let error = try result.jsonError()
    XCTAssertEqual(error.kind, "interrupted")
    XCTAssertTrue(error.message.hasPrefix("stopped after "), error.message)
  }

  func testInterruptedSuspendWithdrawsAndExits() throws {
    let result = try CLIRunner.run(
      ["suspend", "1", "--backend", "simulator", "--simulate", "stuck", "--timeout", "60s"], interruptAfter: 1)
    XCTAssertEqual(result.status, 130, result.stderr)
    XCTAssertEqual(result.errorLines.count, 1, result.stderr)
    XCTAssertTrue(result.stderr.contains("interrupted"), result.stderr)
  }
}
