import Foundation
import Synchronization
import XCTest
import XenResumeCLI

/// What one run of `xen-resume` printed and how it exited, in-process or as the real binary.
struct CLIResult: Equatable {
  /// The exit status.
  var status: Int32
  /// Everything written to stdout.
  var stdout: String
  /// Everything written to stderr.
  var stderr: String

  /// stdout parsed as exactly one JSON object; fails the test otherwise.
  func jsonObject(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    let trimmed = stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    XCTAssertFalse(trimmed.isEmpty, "stdout is empty; stderr: \(stderr)", file: file, line: line)
    XCTAssertEqual(
      trimmed.split(separator: "\n").count, 1, "stdout must be one JSON document on one line: \(stdout)",
      file: file, line: line)
    let value = try JSONSerialization.jsonObject(with: Data(trimmed.utf8))
    return try XCTUnwrap(value as? [String: Any], "stdout is not a JSON object: \(stdout)", file: file, line: line)
  }

  /// The `error` object of a JSON error document, checked for its exact shape.
  func jsonError(file: StaticString = #filePath, line: UInt = #line) throws -> (kind: String, message: String) {
    let document = try jsonObject(file: file, line: line)
    XCTAssertEqual(Set(document.keys), ["error"], file: file, line: line)
    let error = try XCTUnwrap(document["error"] as? [String: Any], file: file, line: line)
    XCTAssertEqual(Set(error.keys), ["kind", "message"], file: file, line: line)
    let kind = try XCTUnwrap(error["kind"] as? String, file: file, line: line)
    let message = try XCTUnwrap(error["message"] as? String, file: file, line: line)
    return (kind, message)
  }

  /// The stderr lines that start with `xen-resume: error:`.
  var errorLines: [Substring] {
    stderr.split(separator: "\n").filter { $0.hasPrefix("xen-resume: error: ") }
  }
}

/// Collects what one in-process run writes; the writers may be called from any thread (log messages come from the
/// library's own tasks).
final class CapturedConsole: Sendable {
  private let output = Mutex("")
  private let error = Mutex("")
  /// The input lines not read yet.
  private let input: Mutex<[String]>
  /// Whether the console claims stderr is a terminal.
  let standardErrorIsTerminal: Bool

  /// An empty capture; `standardErrorIsTerminal` makes progress lines overwrite themselves, as on a terminal.
  /// `input` is what the run reads from stdin, a line at a time, then the end of input.
  init(standardErrorIsTerminal: Bool = false, input: [String] = []) {
    self.standardErrorIsTerminal = standardErrorIsTerminal
    self.input = Mutex(input)
  }

  /// The console to hand `EntryPoint.run(_:console:)`.
  var console: Console {
    Console(
      standardErrorIsTerminal: standardErrorIsTerminal,
      standardOutput: { text in self.output.withLock { $0 += text } },
      standardError: { text in self.error.withLock { $0 += text } },
      standardInput: { self.input.withLock { $0.isEmpty ? nil : $0.removeFirst() } })
  }

  /// Everything written to stdout so far.
  var stdout: String { output.withLock { $0 } }
  /// Everything written to stderr so far.
  var stderr: String { error.withLock { $0 } }
}

/// Runs `xen-resume` command lines in-process, through `EntryPoint.run(_:console:)`.
enum CLIRunner {
  /// Runs `xen-resume` with `arguments` in this process and returns its status and what it printed; `input` is
  /// the run's stdin, a line at a time.
  static func run(_ arguments: [String], standardErrorIsTerminal: Bool = false, input: [String] = []) async
    -> CLIResult
  {
    let capture = CapturedConsole(standardErrorIsTerminal: standardErrorIsTerminal, input: input)
    let status = await EntryPoint.run(arguments, console: capture.console)
    return CLIResult(status: status, stdout: capture.stdout, stderr: capture.stderr)
  }

  /// Runs `xen-resume` on the simulator (the default guests unless `arguments` says otherwise).
  static func simulated(_ arguments: [String], input: [String] = []) async -> CLIResult {
    await run(arguments + ["--backend", "simulator"], input: input)
  }
}

/// Runs the built `xen-resume` binary as a subprocess, for the tests that prove the executable's own wiring: its
/// exit status, its standard streams and its signal handling.
enum BinaryRunner {
  /// The `xen-resume` executable in the build directory the tests run from.
  static let executable: URL = {
    var candidates: [URL] = []
    // On Linux the test bundle is an executable in the products directory; on macOS it is a bundle inside it.
    candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
    candidates.append(Bundle.main.bundleURL)
    candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
      candidates.append(bundle.bundleURL.deletingLastPathComponent())
    }
    for directory in candidates {
      let url = directory.appendingPathComponent("xen-resume")
      if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return candidates[0].appendingPathComponent("xen-resume")
  }()

  /// Runs `xen-resume` with `arguments` and waits for it to exit; with `signalWhenStandardErrorShows`, sends it
  /// `signal` (SIGINT unless told otherwise) once its stderr contains that text (a log line of the operation under
  /// way, with `--log-level debug`): a signal sent after a fixed wait could reach a process that a loaded machine had
  /// not yet brought to its signal handlers.
  static func run(
    _ arguments: [String], signalWhenStandardErrorShows marker: String? = nil, signal: Int32 = SIGINT,
    file: StaticString = #filePath, line: UInt = #line
  ) throws -> CLIResult {
    XCTAssertTrue(
      FileManager.default.isExecutableFile(atPath: executable.path),
      "xen-resume was not built at \(executable.path)", file: file, line: line)
    // Files rather than pipes: a chatty run can never block on a full pipe while the test waits for it to exit.
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("xen-resume-cli-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let outURL = directory.appendingPathComponent("stdout")
    let errURL = directory.appendingPathComponent("stderr")
    for url in [outURL, errURL] {
      XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: nil), url.path, file: file, line: line)
    }
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    if let marker {
      let end = Date().addingTimeInterval(30)
      var shown = false
      while !shown && process.isRunning && Date() < end {
        Thread.sleep(forTimeInterval: 0.005)
        shown = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self).contains(marker)
      }
      XCTAssertTrue(shown, "stderr never showed \(marker) within 30 s", file: file, line: line)
      kill(process.processIdentifier, signal)
      // A process that does not stop for the signal must not hold the suite forever (a checkpoint run of 10^8
      // cycles would): it gets 30 s, then SIGKILL and a failure.
      let stopBy = Date().addingTimeInterval(30)
      while process.isRunning && Date() < stopBy { Thread.sleep(forTimeInterval: 0.01) }
      if process.isRunning {
        XCTFail("xen-resume did not stop within 30 s of the signal", file: file, line: line)
        kill(process.processIdentifier, SIGKILL)
      }
    }
    process.waitUntilExit()
    try out.close()
    try err.close()
    XCTAssertEqual(
      process.terminationReason, .exit, "xen-resume was killed by a signal instead of exiting", file: file, line: line)
    return CLIResult(
      status: process.terminationStatus,
      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
  }
}
