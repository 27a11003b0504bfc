import Synchronization
import XenResumeCore

/// Which soak operation a host call is made for: a task local, so a race's child tasks carry it too, and a
/// controller's own background waits (started by an earlier operation) carry a stale number.
enum SoakOperationTag {
  @TaskLocal static var current: Int?
}

/// Cancels one operation's task when it starts its `call`-th host call: cancellation at a point of the sequence
/// that the seed fixes, not at a moment that depends on the machine's speed.
final class CancelAtHostCall: HostCallObserver {
  private struct State {
    var remaining: Int
    var task: Task<Void, Never>?
    var due = false
  }

  private let operation: Int
  private let state: Mutex<State>

  init(operation: Int, call: Int) {
    self.operation = operation
    state = Mutex(State(remaining: call))
  }

  /// The task to cancel; cancels it at once when its call came before the task was known.
  func attach(_ task: Task<Void, Never>) {
    let due = state.withLock { state in
      state.task = task
      return state.due
    }
    if due { task.cancel() }
  }

  func hostWillCall(_ operation: XenHostOperation, domain: DomainID?) throws(XenCallError) {
    guard SoakOperationTag.current == self.operation else { return }
    let task = state.withLock { state -> Task<Void, Never>? in
      state.remaining -= 1
      guard state.remaining == 0 else { return nil }
      state.due = true
      return state.task
    }
    task?.cancel()
  }
}
