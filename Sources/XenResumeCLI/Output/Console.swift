import Foundation

/// Where a run of `xen-resume` writes what it prints: its standard output and its standard error.
///
/// The real process writes to its own streams without buffering (`standardStreams`), so that output written before
/// an `exit` is never lost and stderr lines interleave with stdout in the order they were produced. A caller that
/// runs the commands in-process (`EntryPoint.run(_:console:)`) passes writers of its own, e.g. ones that collect the
/// text to compare it.
///
/// Commands reach the run's console through `Console.current`, a task-local value that `EntryPoint` binds for the
/// whole run: child tasks inherit it, and two runs in two tasks never see each other's console.
public struct Console: Sendable {
  private let outputWriter: @Sendable (String) -> Void
  private let errorWriter: @Sendable (String) -> Void
  private let errorIsTerminal: Bool

  /// A console that hands every piece of text the run writes to `standardOutput` or `standardError`, as it is
  /// written: in order, unbuffered, with its newlines (nothing is added or removed). The writers may be called from
  /// any thread, and concurrently (the library logs from its own tasks), so a writer that collects text must lock.
  ///
  /// - Parameters:
  ///   - standardErrorIsTerminal: whether stderr is to be treated as a terminal, where a progress line overwrites
  ///     itself (`\r`, erase to the end of line) instead of writing a new line per update.
  ///   - standardOutput: receives what the run writes to stdout (results and JSON documents).
  ///   - standardError: receives what the run writes to stderr (errors, warnings, progress, log messages).
  public init(
    standardErrorIsTerminal: Bool = false, standardOutput: @escaping @Sendable (String) -> Void,
    standardError: @escaping @Sendable (String) -> Void
  ) {
    outputWriter = standardOutput
    errorWriter = standardError
    errorIsTerminal = standardErrorIsTerminal
  }

  /// The process's own stdout and stderr, written without buffering; what `EntryPoint.main()` uses.
  public static let standardStreams = Console(
    standardErrorIsTerminal: isatty(FileHandle.standardError.fileDescriptor) != 0,
    standardOutput: { FileHandle.standardOutput.write(Data($0.utf8)) },
    standardError: { FileHandle.standardError.write(Data($0.utf8)) })

  /// The console of the run this task belongs to; the standard streams outside any run (e.g. in a signal handler).
  @TaskLocal static var current: Console = .standardStreams

  /// Writes `text` to the current run's stdout as it is.
  static func writeOut(_ text: String) {
    current.outputWriter(text)
  }

  /// Writes one line to the current run's stdout.
  static func printOut(_ line: String) {
    writeOut(line + "\n")
  }

  /// Writes `text` to the current run's stderr as it is.
  static func writeError(_ text: String) {
    current.errorWriter(text)
  }

  /// Writes one line to the current run's stderr.
  static func printError(_ line: String) {
    writeError(line + "\n")
  }

  /// Whether the current run's stderr is a terminal, where a progress line can overwrite itself instead of
  /// scrolling.
  static var standardErrorIsTerminal: Bool {
    current.errorIsTerminal
  }

  /// The current run's stderr as a stream, for log handlers.
  static var standardErrorStream: ErrorStream {
    ErrorStream(console: current)
  }

  /// A console's stderr as a `TextOutputStream`, so that swift-log's `StreamLogHandler` can write to it.
  struct ErrorStream: TextOutputStream, Sendable {
    /// The console written to.
    let console: Console

    /// Writes `string` to the console's stderr.
    func write(_ string: String) {
      console.errorWriter(string)
    }
  }
}
