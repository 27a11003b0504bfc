/// Thrown inside the controller when a wait passes its deadline; turned into `SuspendResumeError.timedOut` by
/// the caller, which knows the stage and the domain.
package struct DeadlineExceeded: Error {}

/// A point on an injected clock by which a wait must end: the controller's timeouts, and the conformance suite's.
package struct Deadline: Sendable {
  package let instant: Duration
  package let clock: any ControllerClock
  package let timer: DeadlineTimer

  package init(after timeout: Duration, on clock: any ControllerClock, timer: DeadlineTimer) {
    self.clock = clock
    self.timer = timer
    self.instant = clock.elapsed() + timeout
  }

  package var hasPassed: Bool { clock.elapsed() >= instant }

  /// Returns once the deadline has passed, with no event to end the wait sooner: for a wait whose events failed
  /// (its watch lost, its port unreadable) and that must still end at its deadline, not at once.
  package func passes() async throws {
    if hasPassed { return }
    timer.beginRace(sides: 1)
    defer { timer.endRace(sides: 1) }
    try await timer.sleep(until: instant)
  }

  /// Runs `wait` until it returns or the deadline passes, whichever is first; the loser is cancelled.
  /// Task cancellation cancels both and surfaces as `CancellationError`.
  package func race<T: Sendable>(_ wait: @escaping @Sendable () async throws -> T) async throws -> T {
    guard let value = try await valueBeforeExpiry(wait) else { throw DeadlineExceeded() }
    return value
  }

  /// Like `race(_:)`, with `nil` for a deadline that passed first. A wait that ended at the same moment as the
  /// timer keeps its value, so an event it took is never lost (a check that listens for silence must see it).
  package func valueBeforeExpiry<T: Sendable>(
    _ wait: @escaping @Sendable () async throws -> T
  ) async throws -> T? {
    if hasPassed { return nil }
    let instant = instant
    let timer = timer
    timer.beginRace(sides: 2)
    defer { timer.endRace(sides: 2) }
    return try await withThrowingTaskGroup(of: T?.self) { group in
      group.addTask { try await wait() }
      group.addTask {
        try await timer.sleep(until: instant)
        return nil
      }
      guard let first = try await group.next() else { throw CancellationError() }
      group.cancelAll()
      if let value = first { return value }
      // The cancelled wait ends promptly (every wait honours cancellation); the group awaits it anyway.
      if case let value?? = try? await group.next() { return value }
      try Task.checkCancellation()
      return nil
    }
  }

  /// Like `race(_:)` for two waits of which either may end the wait first.
  func race(
    _ first: @escaping @Sendable () async throws -> Void,
    or second: @escaping @Sendable () async throws -> Void
  ) async throws {
    if hasPassed { throw DeadlineExceeded() }
    let instant = instant
    let timer = timer
    timer.beginRace(sides: 3)
    defer { timer.endRace(sides: 3) }
    try await withThrowingTaskGroup(of: Bool.self) { group in
      group.addTask {
        try await first()
        return true
      }
      group.addTask {
        try await second()
        return true
      }
      group.addTask {
        try await timer.sleep(until: instant)
        return false
      }
      defer { group.cancelAll() }
      guard let woken = try await group.next() else { throw CancellationError() }
      if !woken {
        try Task.checkCancellation()
        throw DeadlineExceeded()
      }
    }
  }
}
