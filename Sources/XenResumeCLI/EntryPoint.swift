import ArgumentParser
import Foundation
import Logging

/// Runs `xen-resume`: parses, sets up logging, runs the command, and turns every failure into one line on stderr
/// (plus one JSON document on stdout under `--json`) and its exit status.
///
/// ArgumentParser's own `main()` is not used because it prints usage errors over several lines with the full
/// usage text and exits with 1 for errors thrown by `run()`; here every error is one actionable line and every
/// kind of failure has its own status.
public enum EntryPoint {
  /// Runs the command line of this process and exits with its status; never returns.
  public static func main() async -> Never {
    let arguments = Array(CommandLine.arguments.dropFirst())
    let parsed: any ParsableCommand
    do {
      parsed = try await XenResume.asyncParseAsRoot(arguments)
    } catch {
      exitAfterParseError(error, arguments: arguments)
    }
    guard let command = parsed as? any XenResumeCommand else {
      // `help` and the root command without a subcommand: ArgumentParser prints help and exits 0.
      do {
        var other = parsed
        try other.run()
      } catch {
        XenResume.exit(withError: error)
      }
      exit(ExitStatus.success.rawValue)
    }
    let options = command.global
    bootstrapLogging(level: options.logLevel.level)
    // The command is parsed and only ever used by the task that runs it.
    nonisolated(unsafe) var runnable = command
    do {
      try await SignalCancellation.run { try await runnable.run() }
    } catch let reported as AlreadyReported {
      exit(reported.status.rawValue)
    } catch {
      fail(CommandFailure(classifying: error), json: options.json)
    }
    exit(ExitStatus.success.rawValue)
  }

  /// Sends the library's log messages to stderr from `level` up; stdout stays for results.
  static func bootstrapLogging(level: Logger.Level) {
    LoggingSystem.bootstrap { label in
      var handler = StreamLogHandler.standardError(label: label)
      handler.logLevel = level
      return handler
    }
  }

  /// Help and version requests exit 0 as ArgumentParser prints them; everything else is a usage error (64) in one
  /// line, pointing at the subcommand's help.
  static func exitAfterParseError(_ error: any Error, arguments: [String]) -> Never {
    if XenResume.exitCode(for: error) == .success {
      XenResume.exit(withError: error)
    }
    var message = CommandFailure.singleLine(XenResume.message(for: error))
    if message.isEmpty { message = "invalid command line" }
    let names = XenResume.configuration.subcommands.compactMap { $0.configuration.commandName }
    let subcommand = arguments.first { names.contains($0) }
    let help = ["xen-resume", subcommand, "--help"].compactMap { $0 }.joined(separator: " ")
    fail(CommandFailure.usage("\(message) (see `\(help)`)"), json: arguments.contains("--json"))
  }

  /// Reports a failure and exits with its status.
  static func fail(_ failure: CommandFailure, json: Bool) -> Never {
    Console.printError("xen-resume: error: \(failure.message)")
    if json { JSONOutput.print(ErrorReport(failure)) }
    exit(failure.exitStatus.rawValue)
  }
}
