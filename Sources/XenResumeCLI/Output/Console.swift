import Foundation
import Synchronization

/// Where a run of `xen-resume` writes what it prints: its standard output and its standard error.
///
/// The real process writes to its own streams without buffering (`standardStreams`), so that output written before
/// an `exit` is never lost and stderr lines interleave with stdout in the order they were produced. A caller that
/// runs the commands in-process (`EntryPoint.run(_:console:)`) passes writers of its own, e.g. ones that collect the
/// text to compare it.
///
/// Commands reach the run's console through `Console.current`, a task-local value that `EntryPoint` binds for the
/// whole run: child tasks inherit it, and two runs in two tasks never see each other's console.
///
/// A run on the simulator marks itself (`markSimulated()`, when the simulator is opened), and from then on every line
/// it writes to stdout in text mode starts with `simulated: `, so that no output of a throwaway simulated host can be
/// read as something done to real guests. JSON documents (`writeDocument(_:)`) are left as they are: they carry
/// `"backend": "simulator"` themselves.
public struct Console: Sendable {
  private let outputWriter: @Sendable (String) -> Void
  private let errorWriter: @Sendable (String) -> Void
  private let inputReader: @Sendable () -> String?
  private let errorIsTerminal: Bool
  private let run: RunMarks

  /// What one run has said about itself; a reference, so that the whole run (its child tasks too) shares it.
  private final class RunMarks: Sendable {
    /// Whether the run works on a simulated host.
    let simulated = Atomic<Bool>(false)
    /// Whether the run's last stdout write ended in the middle of a line (so the next one does not start a line),
    /// kept under the lock that also orders the writes, so concurrent writers cannot split a prefix from its line.
    let outputMidLine = Mutex(false)
  }

  /// A console that hands every piece of text the run writes to `standardOutput` or `standardError`, as it is
  /// written: in order, unbuffered, with its newlines (nothing is added or removed). The writers may be called from
  /// any thread, and concurrently (the library logs from its own tasks), so a writer that collects text must lock.
  ///
  /// - Parameters:
  ///   - standardErrorIsTerminal: whether stderr is to be treated as a terminal, where a progress line overwrites
  ///     itself (`\r`, erase to the end of line) instead of writing a new line per update.
  ///   - standardOutput: receives what the run writes to stdout (results and JSON documents).
  ///   - standardError: receives what the run writes to stderr (errors, warnings, progress, log messages).
  ///   - standardInput: returns the next line of input without its newline, or `nil` at its end; only
  ///     `checkpoint --paced` reads input. The process's own stdin unless told otherwise.
  public init(
    standardErrorIsTerminal: Bool = false, standardOutput: @escaping @Sendable (String) -> Void,
    standardError: @escaping @Sendable (String) -> Void,
    standardInput: @escaping @Sendable () -> String? = { Swift.readLine() }
  ) {
    outputWriter = standardOutput
    errorWriter = standardError
    inputReader = standardInput
    errorIsTerminal = standardErrorIsTerminal
    run = RunMarks()
  }

  /// The same streams with nothing marked yet: each run starts from its own marks, even when a caller hands the same
  /// console to several runs.
  func forNewRun() -> Console {
    Console(
      standardErrorIsTerminal: errorIsTerminal, standardOutput: outputWriter, standardError: errorWriter,
      standardInput: inputReader)
  }

  /// The process's own stdout and stderr, written without buffering; what `EntryPoint.main()` uses.
  public static let standardStreams = Console(
    standardErrorIsTerminal: isatty(FileHandle.standardError.fileDescriptor) != 0,
    standardOutput: { FileHandle.standardOutput.write(Data($0.utf8)) },
    standardError: { FileHandle.standardError.write(Data($0.utf8)) })

  /// The console of the run this task belongs to; the standard streams outside any run (e.g. in a signal handler).
  @TaskLocal static var current: Console = .standardStreams

  /// The next line of the run's input, or `nil` at its end. It blocks its thread until a line comes: only a paced
  /// checkpoint reads, between its cycles, when nothing else of the run is under way.
  static func readLine() -> String? {
    current.inputReader()
  }

  /// The word every line of a simulated run starts with.
  static let simulatedPrefix = "simulated: "

  /// Marks the current run as working on a simulated host, from now to its end.
  static func markSimulated() {
    current.run.simulated.store(true, ordering: .sequentiallyConsistent)
  }

  /// Whether the current run works on a simulated host.
  static var isSimulated: Bool {
    current.run.simulated.load(ordering: .sequentiallyConsistent)
  }

  /// `text` with `simulated: ` in front in a simulated run, for the lines the tool writes to stderr itself.
  static func marked(_ text: String) -> String {
    isSimulated ? simulatedPrefix + text : text
  }

  /// Writes `text` to the current run's stdout; in a simulated run each line it starts begins with `simulated: `.
  static func writeOut(_ text: String) {
    let console = current
    guard console.run.simulated.load(ordering: .sequentiallyConsistent), !text.isEmpty else {
      console.outputWriter(text)
      return
    }
    console.run.outputMidLine.withLock { midLine in
      var marked = ""
      var atLineStart = !midLine
      for character in text {
        if atLineStart { marked += simulatedPrefix }
        marked.append(character)
        atLineStart = character.isNewline
      }
      midLine = !atLineStart
      console.outputWriter(marked)
    }
  }

  /// Writes one JSON document and a newline to the current run's stdout, unmarked: the document names its backend.
  static func writeDocument(_ document: String) {
    current.outputWriter(document + "\n")
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
