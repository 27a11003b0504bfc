/// Thrown inside the controller when a wait passes its deadline; turned into `SuspendResumeError.timedOut` by
/// the caller, which knows the stage and the domain.
struct DeadlineExceeded: Error {}

/// A point on the controller clock by which a wait must end.
struct Deadline: Sendable {
  let instant: Duration
  let clock: any ControllerClock
  let timer: DeadlineTimer

  init(after timeout: Duration, on clock: any ControllerClock, timer: DeadlineTimer) {
    self.clock = clock
    self.timer = timer
    self.instant = clock.elapsed() + timeout
  }

  var hasPassed: Bool { clock.elapsed() >= instant }

  /// Runs `wait` until it returns or the deadline passes, whichever is first; the loser is cancelled.
  /// Task cancellation cancels both and surfaces as `CancellationError`.
  func race<T: Sendable>(_ wait: @escaping @Sendable () async throws -> T) async throws -> T {
    if hasPassed { throw DeadlineExceeded() }
    let instant = instant
    let timer = timer
    return try await withThrowingTaskGroup(of: T?.self) { group in
      group.addTask { try await wait() }
      group.addTask {
        try await timer.sleep(until: instant)
        return nil
      }
      defer { group.cancelAll() }
      guard let first = try await group.next() else { throw CancellationError() }
      guard let value = first else {
        try Task.checkCancellation()
        throw DeadlineExceeded()
      }
      return value
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
