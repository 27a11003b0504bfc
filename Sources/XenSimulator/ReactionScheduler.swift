import Synchronization

/// Runs delayed guest reactions on the host's injected clock.
///
/// The deadline is taken when the reaction is scheduled, inside the host call that triggers it, and the sleep is
/// registered on the clock before that call returns: the task starts immediately, on the calling thread, and runs
/// until the sleep suspends it. With a task that started later, a `TestClock` advanced to exactly the deadline
/// first (a loaded machine) made the late sleep wait for the next advance, since a sleep until "now" still waits
/// there, and the reaction never came.
struct ReactionScheduler: Sendable {
  private let scheduleAction: @Sendable (Duration, @escaping @Sendable () -> Void) -> Void
  private let dueAction: @Sendable () -> (due: Int, changes: UInt64)

  init<C: Clock>(clock: C) where C.Duration == Duration {
    let pending = PendingReactions<C.Instant>()
    scheduleAction = { delay, action in
      let deadline = clock.now.advanced(by: delay)
      let reaction = pending.add(deadline)
      Task.immediate {
        // Done only once the reaction (and what it resumed) ran: until then it counts as due.
        defer { pending.remove(reaction) }
        do {
          try await clock.sleep(until: deadline, tolerance: nil)
        } catch {
          return
        }
        action()
      }
    }
    dueAction = { pending.due(now: clock.now) }
  }

  func schedule(after delay: Duration, _ action: @escaping @Sendable () -> Void) {
    scheduleAction(delay, action)
  }

  /// Reactions whose time has come on the clock and that have not finished running, and a count that grows with
  /// every reaction scheduled or finished.
  var due: (due: Int, changes: UInt64) { dueAction() }
}

/// The deadlines of the reactions scheduled and not yet finished.
private final class PendingReactions<Instant: InstantProtocol>: Sendable {
  private struct State {
    var deadlines: [UInt64: Instant] = [:]
    var next: UInt64 = 0
    var changes: UInt64 = 0
  }

  private let state = Mutex(State())

  func add(_ deadline: Instant) -> UInt64 {
    state.withLock { state in
      state.next &+= 1
      state.changes &+= 1
      state.deadlines[state.next] = deadline
      return state.next
    }
  }

  func remove(_ reaction: UInt64) {
    state.withLock { state in
      state.changes &+= 1
      state.deadlines[reaction] = nil
    }
  }

  func due(now: Instant) -> (due: Int, changes: UInt64) {
    state.withLock { state in (state.deadlines.values.count(where: { $0 <= now }), state.changes) }
  }
}
