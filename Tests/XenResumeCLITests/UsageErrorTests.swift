import Foundation
import XCTest

/// Bad command lines: exit 64, one `xen-resume: error:` line, and a `usage` error document under `--json`.
final class UsageErrorTests: XCTestCase {
  private func assertUsageError(
    _ arguments: [String], mentions fragment: String? = nil, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let result = try CLIRunner.simulated(arguments + ["--json"], file: file, line: line)
    XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)", file: file, line: line)
    XCTAssertEqual(try result.jsonError(file: file, line: line).kind, "usage", file: file, line: line)
    XCTAssertEqual(result.errorLines.count, 1, "\(arguments): \(result.stderr)", file: file, line: line)
    XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr, file: file, line: line)
    if let fragment {
      XCTAssertTrue(
        result.stderr.contains(fragment), "\(fragment) missing from \(result.stderr)", file: file, line: line)
    }
  }

  func testMalformedDurations() throws {
    for duration in ["abc", "-5s", "5x", "", "1e3s", "1..5s", "ms", "nan", "inf", "25h"] {
      try assertUsageError(["suspend", "1", "--timeout", duration], mentions: "--timeout")
    }
    try assertUsageError(["checkpoint", "1", "--interval", "-25ms"], mentions: "--interval")
    try assertUsageError(["suspend", "1", "--timeout", "0"], mentions: "--timeout")
  }

  func testBadDomainIDs() throws {
    for domain in ["abc", "-1", "1.5", "32752", "4294967296"] {
      try assertUsageError(["suspend", domain])
    }
    try assertUsageError(["status", "1", "x"])
  }

  func testUnknownFlagsAndValues() throws {
    try assertUsageError(["suspend", "1", "--bogus"], mentions: "--bogus")
    try assertUsageError(["suspend", "1", "--path", "nowhere"], mentions: "nowhere")
    try assertUsageError(["status", "1", "--backend", "qemu"], mentions: "qemu")
    try assertUsageError(["status", "1", "--log-level", "loud"], mentions: "loud")
    try assertUsageError(["frobnicate"])
    try assertUsageError(["status"])
  }

  func testUnknownSimulatedGuest() throws {
    try assertUsageError(["status", "1", "--simulate", "pv,windows"], mentions: "windows")
    try assertUsageError(["status", "1", "--simulate", "pv,,hvm"])
  }

  func testHelpExitsZero() throws {
    let result = try CLIRunner.run(["suspend", "--help"])
    XCTAssertEqual(result.status, 0)
    XCTAssertTrue(result.stdout.contains("--timeout"), result.stdout)
  }
}
