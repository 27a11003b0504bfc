import Foundation
import XCTest

/// Bad command lines: exit 64, one `xen-resume: error:` line, and a `usage` error document under `--json`.
final class UsageErrorTests: XCTestCase {
  private func assertUsageError(
    _ arguments: [String], mentions fragment: String? = nil, file: StaticString = #filePath, line: UInt = #line
  ) async throws {
    let result = await CLIRunner.simulated(arguments + ["--json"])
    XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)", file: file, line: line)
    XCTAssertEqual(try result.jsonError(file: file, line: line).kind, "usage", file: file, line: line)
    XCTAssertEqual(result.errorLines.count, 1, "\(arguments): \(result.stderr)", file: file, line: line)
    XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr, file: file, line: line)
    if let fragment {
      XCTAssertTrue(
        result.stderr.contains(fragment), "\(fragment) missing from \(result.stderr)", file: file, line: line)
    }
  }

  func testMalformedDurations() async throws {
    for duration in ["abc", "-5s", "5x", "", "1e3s", "1..5s", "ms", "nan", "inf", "25h"] {
      try await assertUsageError(["suspend", "1", "--timeout", duration], mentions: "--timeout")
    }
    try await assertUsageError(["checkpoint", "1", "--interval", "-25ms"], mentions: "--interval")
    try await assertUsageError(["suspend", "1", "--timeout", "0"], mentions: "--timeout")
  }

  func testBadDomainIDsAndNames() async throws {
    for domain in ["-1", "32752", "4294967296", "", " ", "a/b", "web\u{7}1"] {
      try await assertUsageError(["suspend", domain])
    }
    try await assertUsageError(["status", "1", "x/y"])
  }

  func testUnknownFlagsAndValues() async throws {
    try await assertUsageError(["suspend", "1", "--bogus"], mentions: "--bogus")
    try await assertUsageError(["suspend", "1", "--path", "nowhere"], mentions: "nowhere")
    try await assertUsageError(["status", "1", "--backend", "qemu"], mentions: "qemu")
    try await assertUsageError(["status", "1", "--log-level", "loud"], mentions: "loud")
    try await assertUsageError(["frobnicate"])
  }

  func testUnknownSimulatedGuest() async throws {
    try await assertUsageError(["status", "1", "--simulate", "pv,windows"], mentions: "windows")
    try await assertUsageError(["status", "1", "--simulate", "pv,,hvm"])
  }

  func testHelpExitsZero() async throws {
    let result = await CLIRunner.run(["suspend", "--help"])
    XCTAssertEqual(result.status, 0)
    XCTAssertTrue(result.stdout.contains("--timeout"), result.stdout)
  }
}
