/// A point on the suite's clock by which a wait must end.
///
/// Every wait in the suite is an event wait (`nextWatchEvent`, `waitForEvent`) raced against a sleep on the
/// injected clock: whichever finishes first wins and the other is cancelled. Nothing polls.
struct Deadline: Sendable {
  let instant: Duration
  let clock: SuiteClock

  init(after timeout: Duration, on clock: SuiteClock) {
    self.clock = clock
    instant = clock.elapsed() + timeout
  }

  private enum Race<Value: Sendable>: Sendable {
    case finished(Value)
    case expired
  }

  /// Runs `wait` until it returns or the deadline passes; `nil` when the deadline passed first. A failure of `wait`
  /// is thrown.
  func race<Value: Sendable>(_ wait: @escaping @Sendable () async throws -> Value) async throws -> Value? {
    if clock.elapsed() >= instant { return nil }
    let instant = instant
    let clock = clock
    return try await withThrowingTaskGroup(of: Race<Value>.self) { group in
      group.addTask { .finished(try await wait()) }
      group.addTask {
        try await clock.sleepUntil(instant)
        return .expired
      }
      guard let first = try await group.next() else { throw CancellationError() }
      group.cancelAll()
      if case .finished(let value) = first { return value }
      // The wait may have taken its event just as the deadline passed: keep it rather than lose an event, which
      // would turn a broken rule into a pass in the checks that expect silence.
      if case .finished(let value)? = try? await group.next() { return value }
      try Task.checkCancellation()
      return nil
    }
  }
}
