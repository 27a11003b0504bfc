import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into Task cancellation, so that Ctrl-C in the middle of a suspend or a checkpoint run
/// lets the library undo what it started (withdraw a pending request, resume a guest it suspended) instead of
/// killing the process with a guest left suspended. A second signal exits at once.
///
/// Signal dispositions belong to the whole process, so only the real process (`EntryPoint.main()`) uses this; an
/// in-process run is interrupted by cancelling the task that runs it.
enum SignalCancellation {
  /// The status after a second signal, as shells report a process killed by SIGINT.
  static let forcedExitStatus: Int32 = 130

  /// Runs `operation` in a task that the first SIGINT or SIGTERM cancels.
  static func run(_ operation: @escaping @Sendable () async throws -> Void) async throws {
    let task = Task { try await operation() }
    let sources = [SIGINT, SIGTERM].map { number in
      // The default action would end the process before the task could clean up; the source sees the signal.
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler {
        // Outside any task: `Console.current` is the standard streams, the process's console.
        if task.isCancelled {
          Console.printError("xen-resume: interrupted again; exiting without waiting for the clean-up")
          exit(forcedExitStatus)
        }
        task.cancel()
      }
      source.resume()
      return source
    }
    defer { sources.forEach { $0.cancel() } }
    try await task.value
  }
}
