import ArgumentParser
import Foundation
import Logging

/// Runs `xen-resume`: parses, sets up logging, runs the command, and turns every failure into one line on stderr
/// (plus one JSON document on stdout under `--json`) and its exit status.
///
/// ArgumentParser's own `main()` is not used because it prints usage errors over several lines with the full
/// usage text and exits with 1 for errors thrown by `run()`; here every error is one actionable line and every
/// kind of failure has its own status.
///
/// `main()` is the real process; `run(_:console:)` runs the same command line in-process (for tests) and returns
/// the status instead of exiting. Both go through one path, so they print the same bytes and return the same status.
public enum EntryPoint {
  /// Runs the command line of this process and exits with its status; never returns.
  ///
  /// Writes to the unbuffered standard streams, bootstraps swift-log (on stderr, from `--log-level` up) once the
  /// command line has parsed, and turns the first SIGINT or SIGTERM into cancellation of the command, so the library
  /// can undo what it started (exit 130); a second signal exits at once.
  public static func main() async -> Never {
    let status = await execute(Array(CommandLine.arguments.dropFirst()), console: .standardStreams, in: .process)
    exit(status)
  }

  /// Runs `xen-resume` with `arguments` (without the program name) in this process and returns the exit status the
  /// process would have exited with; everything it prints goes to `console`.
  ///
  /// Unlike `main()`, it never exits, installs no signal handlers (cancelling the calling task interrupts the
  /// command instead, status 130) and leaves swift-log's `LoggingSystem` alone: log messages go to `console`'s
  /// stderr at the run's `--log-level`. Runs in different tasks may overlap; each writes only to its own console.
  public static func run(_ arguments: [String], console: Console) async -> Int32 {
    await execute(arguments, console: console, in: .inProcess)
  }

  /// Where a command line runs: what differs between the real process and an in-process run.
  enum Host {
    /// The `xen-resume` process: bootstraps logging, handles SIGINT and SIGTERM.
    case process
    /// A caller's task: logs through per-run handlers, is interrupted by cancelling the task.
    case inProcess
  }

  /// Parses and runs `arguments` with `console` as the run's console, and returns the exit status.
  static func execute(_ arguments: [String], console: Console, in host: Host) async -> Int32 {
    await Console.$current.withValue(console.forNewRun()) {
      await parseAndRun(arguments, in: host)
    }
  }

  /// Parses and runs `arguments`, reporting every failure on the current console.
  static func parseAndRun(_ arguments: [String], in host: Host) async -> Int32 {
    let parsed: any ParsableCommand
    do {
      parsed = try await XenResume.asyncParseAsRoot(arguments)
    } catch {
      return reportParseError(error, arguments: arguments)
    }
    guard let command = parsed as? any XenResumeCommand else {
      // `help` and the root command without a subcommand: ArgumentParser prints help and exits 0.
      do {
        var other = parsed
        try other.run()
      } catch {
        return reportAsArgumentParserDoes(error)
      }
      return ExitStatus.success.rawValue
    }
    let options = command.global
    // The command is parsed and only ever used by the task that runs it.
    nonisolated(unsafe) var runnable = command
    do {
      switch host {
      case .process:
        bootstrapLogging(level: options.logLevel.level)
        try await SignalCancellation.run { try await runnable.run() }
      case .inProcess:
        try await CommandLogging.$inProcessLevel.withValue(options.logLevel.level) { try await runnable.run() }
      }
    } catch let reported as AlreadyReported {
      return reported.status.rawValue
    } catch {
      return report(CommandFailure(classifying: error), json: options.json)
    }
    return ExitStatus.success.rawValue
  }

  /// Sends the library's log messages to stderr from `level` up; stdout stays for results. Once per process.
  static func bootstrapLogging(level: Logger.Level) {
    LoggingSystem.bootstrap { label in
      var handler = StreamLogHandler.standardError(label: label)
      handler.logLevel = level
      return handler
    }
  }

  /// Help and version requests exit 0 as ArgumentParser prints them; everything else is a usage error (64) in one
  /// line, pointing at the subcommand's help.
  static func reportParseError(_ error: any Error, arguments: [String]) -> Int32 {
    if XenResume.exitCode(for: error) == .success {
      return reportAsArgumentParserDoes(error)
    }
    var message = CommandFailure.singleLine(XenResume.message(for: error))
    if message.isEmpty { message = "invalid command line" }
    let names = XenResume.configuration.subcommands.compactMap { $0.configuration.commandName }
    let subcommand = arguments.first { names.contains($0) }
    let help = ["xen-resume", subcommand, "--help"].compactMap { $0 }.joined(separator: " ")
    return report(CommandFailure.usage("\(message) (see `\(help)`)"), json: arguments.contains("--json"))
  }

  /// What ArgumentParser's `exit(withError:)` does, without exiting: its full message and a newline on stdout for a
  /// clean exit (help), on stderr otherwise, and its exit code.
  static func reportAsArgumentParserDoes(_ error: any Error) -> Int32 {
    let code = XenResume.exitCode(for: error)
    let text = XenResume.fullMessage(for: error)
    if !text.isEmpty {
      if code == .success {
        Console.printOut(text)
      } else {
        Console.printError(text)
      }
    }
    return code.rawValue
  }

  /// Reports a failure and returns its status. In a simulated run the stderr line says so (it happened to a
  /// simulated guest, not a real one); the JSON document's message stays as it is, as every simulated document does.
  static func report(_ failure: CommandFailure, json: Bool) -> Int32 {
    Console.printError("xen-resume: error: " + Console.marked(failure.message))
    if json { JSONOutput.print(ErrorReport(failure)) }
    return failure.exitStatus.rawValue
  }
}
