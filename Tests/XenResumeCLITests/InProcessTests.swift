import Foundation
import XCTest
import XenResumeCLI

/// What only in-process runs have to get right: runs that overlap keep their own output and log level, cancelling
/// the caller interrupts the command as a signal interrupts the process, and the console decides whether stderr is
/// a terminal. (Every in-process test also proves that runs never bootstrap `LoggingSystem`: a second bootstrap in
/// one process traps.)
final class InProcessTests: XCTestCase {
  func testConcurrentRunsKeepTheirOwnOutputAndLogLevel() async throws {
    let statusLines = (1...6).map { ["status", "\($0)", "--backend", "simulator", "--json"] }
    var expected: [[String]: CLIResult] = [:]
    for arguments in statusLines {
      expected[arguments] = await CLIRunner.run(arguments)
    }
    let debug = ["suspend", "1", "--backend", "simulator", "--log-level", "debug", "--json"]
    let quiet = ["suspend", "2", "--backend", "simulator", "--json"]
    let checkpoint = ["checkpoint", "4", "--backend", "simulator", "--count", "20", "--interval", "1ms"]
    let usage = ["suspend", "1", "--timeout", "5x", "--backend", "simulator", "--json"]
    // Real Xen, unavailable here: its run must not inherit the simulated runs' marks.
    let real = ["suspend", "3"]
    let results = await withTaskGroup(of: ([String], CLIResult).self) { group in
      for _ in 0..<3 {
        for arguments in statusLines + [debug, quiet, checkpoint, usage, real] {
          group.addTask { (arguments, await CLIRunner.run(arguments)) }
        }
      }
      var results: [([String], CLIResult)] = []
      for await result in group { results.append(result) }
      return results
    }
    XCTAssertEqual(results.count, 3 * (statusLines.count + 5))
    for (arguments, result) in results {
      switch arguments {
      case debug:
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("suspending"), result.stderr)
        XCTAssertEqual(try result.jsonObject()["domain"] as? Int, 1)
      case quiet:
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "", "another run's debug log level leaked into this one")
        XCTAssertEqual(try result.jsonObject()["domain"] as? Int, 2)
      case checkpoint:
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("simulated: domain 4 (PVHVM): 20 of 20 checkpoints"), result.stdout)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertFalse(lines.isEmpty, "no progress line")
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("simulated: checkpoint domain 4: ") }, result.stderr)
      case real:
        if FileManager.default.fileExists(atPath: "/dev/xen/privcmd") { continue }
        XCTAssertEqual(result.status, 69, result.stderr)
        XCTAssertEqual(result.stdout, "")
        XCTAssertFalse(result.stderr.contains("error: simulated"), result.stderr)
      case usage:
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertEqual(try result.jsonError().kind, "usage")
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
      default:
        XCTAssertEqual(result, expected[arguments], "\(arguments) printed otherwise while other runs overlapped")
      }
    }
  }

  func testCancellingTheCallerInterruptsTheRun() async throws {
    let capture = CapturedConsole()
    let arguments = [
      "checkpoint", "1", "--count", "100000000", "--backend", "simulator", "--json", "--log-level", "debug",
    ]
    let run = Task { await EntryPoint.run(arguments, console: capture.console) }
    // Cancelled once a checkpoint has run (the library's debug line for its suspend), not after a while: on a loaded
    // machine a fixed wait could end before the run began.
    let end = ContinuousClock.now + .seconds(30)
    while !capture.stderr.contains("suspended") && ContinuousClock.now < end {
      try await Task.sleep(for: .milliseconds(1))
    }
    XCTAssertTrue(capture.stderr.contains("suspended"), "no checkpoint ran within 30 s")
    run.cancel()
    let result = CLIResult(status: await run.value, stdout: capture.stdout, stderr: capture.stderr)
    XCTAssertEqual(result.status, 130, result.stderr)
    let error = try result.jsonError()
    XCTAssertEqual(error.kind, "interrupted")
    XCTAssertTrue(error.message.hasPrefix("stopped after "), error.message)
    XCTAssertEqual(result.errorLines.count, 1, result.stderr)
  }

  func testProgressOverwritesItselfWhenTheConsoleIsATerminal() async throws {
    let result = await CLIRunner.run(
      ["checkpoint", "4", "--backend", "simulator", "--count", "20", "--interval", "1ms"],
      standardErrorIsTerminal: true)
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertTrue(result.stderr.hasPrefix("\rsimulated: checkpoint domain 4: "), result.stderr)
    XCTAssertTrue(result.stderr.hasSuffix("\u{1B}[K\n"), "the line is erased to its end, then ended: \(result.stderr)")
    XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, "a terminal gets one line, redrawn")
  }
}
