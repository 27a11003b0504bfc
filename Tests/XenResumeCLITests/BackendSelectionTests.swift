import Foundation
import XCTest

/// `--backend` on a machine that is not a Xen dom0 (the tests' machine): real Xen is the default and is unavailable
/// here, so a command that acts on guests fails with 69 and touches nothing unless the simulator is asked for.
final class BackendSelectionTests: XCTestCase {
  override func setUpWithError() throws {
    try XCTSkipIf(
      FileManager.default.fileExists(atPath: "/dev/xen/privcmd"), "this machine is a Xen dom0: the real backend works")
  }

  /// Every command that works on a host, with a domain it would act on.
  private let hostCommands = [["status", "3"], ["suspend", "3"], ["resume", "3"], ["checkpoint", "3"]]

  func testWithoutABackendOptionEveryHostCommandNeedsXen() async throws {
    for arguments in hostCommands {
      let result = await CLIRunner.run(arguments)
      XCTAssertEqual(result.status, 69, "\(arguments): \(result.stderr)")
      XCTAssertEqual(result.stdout, "", "\(arguments): nothing is claimed")
      let lines = result.stderr.split(separator: "\n")
      XCTAssertEqual(lines.count, 1, "\(arguments): \(result.stderr)")
      XCTAssertEqual(result.errorLines.count, 1, "\(arguments): \(result.stderr)")
      let line = String(lines.first ?? "")
      // LibxenHost's own error: the call that failed, its errno, the device.
      XCTAssertTrue(line.contains("xc_interface_open failed"), line)
      XCTAssertTrue(line.contains("errno 2"), line)
      XCTAssertTrue(line.contains("/dev/xen/privcmd"), line)
      XCTAssertTrue(line.contains("--backend simulator"), line)
      XCTAssertTrue(line.contains("xen-resume demo"), line)
      XCTAssertFalse(line.contains("error: simulated"), "nothing was simulated: \(line)")
    }
  }

  func testWithoutABackendOptionJSONIsTheErrorDocument() async throws {
    for arguments in hostCommands {
      let result = await CLIRunner.run(arguments + ["--json"])
      XCTAssertEqual(result.status, 69, "\(arguments): \(result.stderr)")
      let error = try result.jsonError()
      XCTAssertEqual(error.kind, "backendUnavailable")
      XCTAssertTrue(error.message.contains("/dev/xen/privcmd"), error.message)
      XCTAssertTrue(error.message.contains("--backend simulator"), error.message)
      XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
      XCTAssertEqual(result.stderr, "xen-resume: error: \(error.message)\n")
    }
  }

  func testXenBackendIsUnavailableWithAHint() async throws {
    let result = await CLIRunner.run(["status", "1", "--backend", "xen", "--json"])
    XCTAssertEqual(result.status, 69)
    let error = try result.jsonError()
    XCTAssertEqual(error.kind, "backendUnavailable")
    XCTAssertTrue(error.message.contains("/dev/xen/privcmd"), error.message)
    XCTAssertEqual(result.errorLines.count, 1, result.stderr)
  }

  func testAutoWasRemoved() async throws {
    let result = await CLIRunner.run(["suspend", "3", "--backend", "auto", "--json"])
    XCTAssertEqual(result.status, 64, result.stderr)
    let error = try result.jsonError()
    XCTAssertEqual(error.kind, "usage")
    XCTAssertTrue(error.message.contains("--backend auto was removed"), error.message)
    XCTAssertTrue(error.message.contains("simulator"), error.message)
  }

  func testExplicitSimulatorSaysNothingOnStderr() async throws {
    let result = await CLIRunner.simulated(["status", "1"])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertEqual(result.stderr, "")
  }

  func testEveryTextLineOfASimulatedRunSaysSimulated() async throws {
    let runs = [
      ["status"], ["status", "1", "2"], ["suspend", "1"], ["resume", "1", "--suspend-first"],
      ["checkpoint", "1", "--count", "3"], ["demo"],
    ]
    for arguments in runs {
      let result = await CLIRunner.run(arguments + ["--backend", "simulator"])
      XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
      let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
      XCTAssertFalse(lines.isEmpty, "\(arguments)")
      for line in lines {
        XCTAssertTrue(line.hasPrefix("simulated: "), "\(arguments): \(line)")
      }
      XCTAssertTrue(result.stdout.hasSuffix("\n"), "\(arguments): \(result.stdout)")
    }
  }

  func testSimulatedJSONIsLeftAsItIs() async throws {
    let result = await CLIRunner.simulated(["suspend", "1", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertTrue(result.stdout.hasPrefix("{"), result.stdout)
    XCTAssertEqual(try result.jsonObject()["backend"] as? String, "simulator")
  }

  func testASimulatedFailureSaysSimulatedOnStderrOnly() async throws {
    let result = await CLIRunner.simulated(["suspend", "42", "--json"])
    XCTAssertEqual(result.status, 66, result.stderr)
    let error = try result.jsonError()
    XCTAssertFalse(error.message.contains("simulated"), error.message)
    XCTAssertEqual(result.stderr, "xen-resume: error: simulated: \(error.message)\n")
  }

  func testProgressOfASimulatedRunSaysSimulated() async throws {
    let result = await CLIRunner.simulated(["checkpoint", "4", "--count", "5"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let progress = result.stderr.split(separator: "\n").filter { $0.contains("cycles") }
    XCTAssertFalse(progress.isEmpty, result.stderr)
    XCTAssertTrue(progress.allSatisfy { $0.hasPrefix("simulated: checkpoint domain 4: ") }, result.stderr)
  }

  func testSuspendFirstNeedsTheSimulator() async throws {
    let result = await CLIRunner.run(["resume", "1", "--suspend-first", "--backend", "xen"])
    XCTAssertEqual(result.status, 69, "the backend is opened first, and it is unavailable here")
  }

  func testSimulateNeedsTheSimulator() async throws {
    for arguments in [["status", "1", "--backend", "xen", "--simulate", "pv"], ["suspend", "1", "--simulate", "pv"]] {
      let result = await CLIRunner.run(arguments + ["--json"])
      XCTAssertEqual(result.status, 64, result.stderr)
      XCTAssertTrue(try result.jsonError().message.contains("add --backend simulator"), result.stderr)
    }
  }
}
