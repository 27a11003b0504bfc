/// Runs delayed guest reactions on the host's injected clock.
///
/// The deadline is taken when the reaction is scheduled, inside the host call that triggers it, so advancing a
/// test clock afterwards always covers it, even if the task that sleeps starts late.
struct ReactionScheduler: Sendable {
  private let scheduleAction: @Sendable (Duration, @escaping @Sendable () -> Void) -> Void

  init<C: Clock>(clock: C) where C.Duration == Duration {
    scheduleAction = { delay, action in
      let deadline = clock.now.advanced(by: delay)
      Task {
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
