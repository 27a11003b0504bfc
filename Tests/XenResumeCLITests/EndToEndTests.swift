import Foundation
import XCTest

/// The real `xen-resume` binary, once per exit status the process itself produces (0, 64, 66, 69; 130 is in
/// `InterruptTests`): proves the executable's wiring (arguments, standard streams, exit status) and that it prints
/// exactly what the same command line prints in-process, where every other test runs.
final class EndToEndTests: XCTestCase {
  private var isXenDom0: Bool { FileManager.default.fileExists(atPath: "/dev/xen/privcmd") }

  /// Runs `arguments` as the binary and in-process, checks both exit with `status`, and returns the binary's result
  /// after checking that in-process printed the same bytes.
  private func runBoth(
    _ arguments: [String], status: Int32, file: StaticString = #filePath, line: UInt = #line
  ) async throws -> CLIResult {
    let binary = try BinaryRunner.run(arguments, file: file, line: line)
    XCTAssertEqual(binary.status, status, "\(arguments): \(binary.stderr)", file: file, line: line)
    let inProcess = await CLIRunner.run(arguments)
    XCTAssertEqual(
      inProcess, binary, "in-process \(arguments) printed otherwise than the binary", file: file, line: line)
    return binary
  }

  func testSuccessPrintsTheReportOnStdoutAndNothingOnStderr() async throws {
    let result = try await runBoth(["status", "1", "2", "--backend", "simulator", "--json"], status: 0)
    let document = try result.jsonObject()
    XCTAssertEqual(document["backend"] as? String, "simulator")
    XCTAssertEqual((document["domains"] as? [[String: Any]])?.count, 2)
    XCTAssertEqual(result.stderr, "")
  }

  func testSimulatedTextSaysSoOnEveryLine() async throws {
    let result = try await runBoth(["status", "1", "2", "--backend", "simulator"], status: 0)
    let lines = result.stdout.split(separator: "\n")
    XCTAssertEqual(lines.count, 3, "a header and two guests: \(result.stdout)")
    XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("simulated: ") }, result.stdout)
  }

  func testUsageErrorExits64() async throws {
    let result = try await runBoth(["suspend", "1", "--timeout", "5x", "--backend", "simulator", "--json"], status: 64)
    XCTAssertEqual(try result.jsonError().kind, "usage")
    XCTAssertEqual(result.errorLines.count, 1, result.stderr)
    XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
    XCTAssertTrue(result.stderr.contains("--timeout"), result.stderr)
  }

  func testUnknownDomainExits66() async throws {
    let result = try await runBoth(["status", "1", "42", "--backend", "simulator", "--json"], status: 66)
    XCTAssertEqual(try result.jsonError().kind, "domainNotFound")
    XCTAssertEqual(result.errorLines.count, 1, result.stderr)
  }

  func testUnavailableBackendExits69() async throws {
    try XCTSkipIf(isXenDom0, "this machine is a Xen dom0: the real backend works")
    let result = try await runBoth(["suspend", "1", "--json"], status: 69)
    let error = try result.jsonError()
    XCTAssertEqual(error.kind, "backendUnavailable")
    XCTAssertTrue(error.message.contains("/dev/xen/privcmd"), error.message)
    XCTAssertEqual(result.errorLines.count, 1, result.stderr)
  }
}
