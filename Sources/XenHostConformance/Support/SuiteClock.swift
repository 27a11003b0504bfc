/// The suite's view of the injected `Clock`: time since the suite started, and sleeping until a point on that scale.
///
/// Erasing the clock to two closures keeps every check non-generic; a `TestClock` or an `ImmediateClock` can stand in
/// for the continuous clock in tests.
struct SuiteClock: Sendable {
  /// Time since the suite's origin.
  let elapsed: @Sendable () -> Duration
  /// Suspends until `elapsed()` reaches the argument; throws `CancellationError` when cancelled.
  let sleepUntil: @Sendable (Duration) async throws -> Void

  init<C: Clock>(_ clock: C) where C.Duration == Duration {
    let origin = clock.now
    elapsed = { origin.duration(to: clock.now) }
    sleepUntil = { deadline in try await clock.sleep(until: origin.advanced(by: deadline), tolerance: nil) }
  }
}
