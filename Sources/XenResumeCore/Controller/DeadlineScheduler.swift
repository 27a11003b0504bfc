import Synchronization

/// One timer for all of a controller's timed waits.
///
/// A wait that ends before its deadline must leave nothing behind. A `clock.sleep(until:)` that is cancelled keeps
/// its timer, and the sleeping task with it, queued until the deadline: with a 60 s timeout and checkpoints many
/// times a second that is memory held for a minute per wait. Here a timed wait parks a continuation in a table
/// instead, which cancellation removes at once, and a single pump task sleeps until the earliest deadline in the
/// table and resumes the waiters whose time has come. The pump only re-arms its sleep when a deadline earlier
/// than the one it sleeps for arrives, which with one timeout per controller is the exception.
final class DeadlineScheduler: Sendable {
  private struct State {
    var waiters: [UInt64: (deadline: Duration, continuation: CheckedContinuation<Void, any Error>)] = [:]
    var nextID: UInt64 = 0
    var pump: Task<Void, Never>?
    var idle: CheckedContinuation<Void, Never>?
    var sleep: (until: Duration, task: Task<Void, any Error>)?
    var stopped = false
  }

  private let clock: any ControllerClock
  private let state = Mutex(State())

  init(clock: any ControllerClock) {
    self.clock = clock
  }

  /// Returns once `elapsed()` has reached `deadline`; throws `CancellationError` at once when cancelled.
  func sleep(until deadline: Duration) async throws {
    if clock.elapsed() >= deadline { return }
    let id = state.withLock { state -> UInt64 in
      state.nextID &+= 1
      return state.nextID
    }
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        let (refused, wake, interrupt) = state.withLock {
          state -> (Bool, CheckedContinuation<Void, Never>?, Task<Void, any Error>?) in
          if state.stopped || Task.isCancelled { return (true, nil, nil) }
          state.waiters[id] = (deadline, continuation)
          if state.pump == nil { state.pump = Task.detached { await self.pump() } }
          let wake = state.idle
          state.idle = nil
          // Re-arm only for a deadline earlier than the one the pump sleeps for.
          let interrupt = state.sleep.flatMap { $0.until > deadline ? $0.task : nil }
          return (false, wake, interrupt)
        }
        if refused {
          continuation.resume(throwing: CancellationError())
          return
        }
        wake?.resume()
        interrupt?.cancel()
      }
    } onCancel: {
      let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
      waiter?.continuation.resume(throwing: CancellationError())
    }
  }

  private func pump() async {
    while true {
      let now = clock.elapsed()
      let (expired, next, stopped) = state.withLock {
        state -> ([CheckedContinuation<Void, any Error>], Duration?, Bool) in
        let due = state.waiters.filter { $0.value.deadline <= now }
        for id in due.keys { state.waiters[id] = nil }
        return (due.values.map(\.continuation), state.waiters.values.map(\.deadline).min(), state.stopped)
      }
      for continuation in expired { continuation.resume() }
      if stopped { return }
      guard let next else {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
          let parkNow = state.withLock { state -> Bool in
            guard state.waiters.isEmpty, !state.stopped else { return false }
            state.idle = continuation
            return true
          }
          if !parkNow { continuation.resume() }
        }
        continue
      }
      let clock = clock
      let sleeper = Task { try await clock.sleep(until: next) }
      state.withLock { $0.sleep = (next, sleeper) }
      _ = await sleeper.result
      state.withLock { $0.sleep = nil }
    }
  }

  /// Ends the pump; parked waiters get `CancellationError`.
  func stop() {
    let (waiters, idle, sleeper) = state.withLock { state in
      state.stopped = true
      defer {
        state.waiters.removeAll()
        state.idle = nil
      }
      return (Array(state.waiters.values.map(\.continuation)), state.idle, state.sleep?.task)
    }
    for continuation in waiters { continuation.resume(throwing: CancellationError()) }
    idle?.resume()
    sleeper?.cancel()
  }
}
