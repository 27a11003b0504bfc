/// Runs delayed guest reactions on the host's injected clock.
///
/// The deadline is taken when the reaction is scheduled, inside the host call that triggers it, and the sleep is
/// registered on the clock before that call returns: the task starts immediately, on the calling thread, and runs
/// until the sleep suspends it. With a task that started later, a `TestClock` advanced to exactly the deadline
/// first (a loaded machine) made the late sleep wait for the next advance, since a sleep until "now" still waits
/// there, and the reaction never came.
struct ReactionScheduler: Sendable {
  private let scheduleAction: @Sendable (Duration, @escaping @Sendable () -> Void) -> Void

  init<C: Clock>(clock: C) where C.Duration == Duration {
    scheduleAction = { delay, action in
      let deadline = clock.now.advanced(by: delay)
      Task.immediate {
        do {
          try await clock.sleep(until: deadline, tolerance: nil)
        } catch {
          return
        }
        action()
      }
    }
  }

  func schedule(after delay: Duration, _ action: @escaping @Sendable () -> Void) {
    scheduleAction(delay, action)
  }
}
