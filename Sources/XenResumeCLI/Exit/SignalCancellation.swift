import Dispatch
import Foundation
import Synchronization

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
  ///
  /// The operation starts only once both signal sources are registered, so a signal that arrives while it runs
  /// always reaches a source. (Starting it first, as before, let a signal sent as soon as the operation logged its
  /// first step arrive before the sources were registered: ignored, and the operation ran on to its timeout.) The
  /// default actions are set aside before the sources are made: libdispatch installs its own handler when it
  /// registers a signal source on Linux, which setting `SIG_IGN` afterwards would replace.
  static func run(_ operation: @escaping @Sendable () async throws -> Void) async throws {
    let interruption = Interruption()
    let sources = [SIGINT, SIGTERM].map { number in
      // The default action would end the process before the task could clean up; the source sees the signal.
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { interruption.signalled() }
      return source
    }
    defer { sources.forEach { $0.cancel() } }
    await withCheckedContinuation { (registered: CheckedContinuation<Void, Never>) in
      let group = DispatchGroup()
      for source in sources {
        group.enter()
        source.setRegistrationHandler { group.leave() }
        source.resume()
      }
      group.notify(queue: .global()) { registered.resume() }
    }
    let task = Task { try await operation() }
    interruption.attach(task)
    try await task.value
  }

  /// The operation's task and whether a signal came, behind one lock: a signal may arrive on the sources' queue
  /// before the task is attached.
  private final class Interruption: Sendable {
    private let state = Mutex<(task: Task<Void, any Error>?, signals: Int)>((nil, 0))

    /// A signal: the first cancels the operation (now, or once it is attached), the second exits at once.
    func signalled() {
      let (task, signals) = state.withLock { state in
        state.signals += 1
        return (state.task, state.signals)
      }
      if signals > 1 {
        // Outside any task: `Console.current` is the standard streams, the process's console.
        Console.printError("xen-resume: interrupted again; exiting without waiting for the clean-up")
        exit(forcedExitStatus)
      }
      task?.cancel()
    }

    /// The operation's task, cancelled at once if a signal came before it.
    func attach(_ task: Task<Void, any Error>) {
      let signalled = state.withLock { state in
        state.task = task
        return state.signals > 0
      }
      if signalled { task.cancel() }
    }
  }
}
