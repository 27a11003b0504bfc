import Foundation
import XCTest

/// `--backend` on a machine that is not a Xen dom0 (the tests' machine): `xen` is unavailable, `auto` simulates.
final class BackendSelectionTests: XCTestCase {
  override func setUpWithError() throws {
    try XCTSkipIf(
      FileManager.default.fileExists(atPath: "/dev/xen/privcmd"), "this machine is a Xen dom0: the real backend works")
  }

  func testXenBackendIsUnavailableWithAHint() async throws {
    let result = await CLIRunner.run(["status", "1", "--backend", "xen", "--json"])
    XCTAssertEqual(result.status, 69)
    let error = try result.jsonError()
    XCTAssertEqual(error.kind, "backendUnavailable")
    XCTAssertTrue(error.message.contains("/dev/xen/privcmd"), error.message)
    XCTAssertEqual(result.errorLines.count, 1, result.stderr)
  }

  func testAutoPicksTheSimulatorAndSaysSoOnce() async throws {
    let result = await CLIRunner.run(["status", "1", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertEqual(try result.jsonObject()["backend"] as? String, "simulator")
    let lines = result.stderr.split(separator: "\n")
    XCTAssertEqual(lines.count, 1, result.stderr)
    XCTAssertTrue(lines.first?.contains("simulator") == true, result.stderr)
  }

  func testExplicitSimulatorSaysNothing() async throws {
    let result = await CLIRunner.simulated(["status", "1"])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertEqual(result.stderr, "")
  }

  func testSuspendFirstNeedsTheSimulator() async throws {
    let result = await CLIRunner.run(["resume", "1", "--suspend-first", "--backend", "xen"])
    XCTAssertEqual(result.status, 69, "the backend is opened first, and it is unavailable here")
  }

  func testSimulateNeedsTheSimulator() async throws {
    let result = await CLIRunner.run(["status", "1", "--backend", "xen", "--simulate", "pv"])
    XCTAssertEqual(result.status, 64, result.stderr)
  }
}
