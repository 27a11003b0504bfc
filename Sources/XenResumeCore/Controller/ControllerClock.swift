/// The controller's view of an injected `Clock`: elapsed time since the controller was made, and sleeping until a
/// point on that scale. Erasing the clock this way keeps `SuspendController` non-generic without allocating a
/// closure per measurement.
package protocol ControllerClock: Sendable {
  /// Time since the controller's origin.
  func elapsed() -> Duration
  /// Suspends until `elapsed()` reaches `deadline`; throws `CancellationError` when cancelled.
  func sleep(until deadline: Duration) async throws
}

/// Adapts any `Clock` whose durations are `Duration`.
package struct ClockAdapter<C: Clock>: ControllerClock where C.Duration == Duration {
  let clock: C
  let origin: C.Instant

  /// Starts the controller's time scale at the clock's present instant.
  package init(_ clock: C) {
    self.clock = clock
    self.origin = clock.now
  }

  /// Time since `init`.
  package func elapsed() -> Duration {
    origin.duration(to: clock.now)
  }

  /// Sleeps on the clock until `elapsed()` reaches `deadline`.
  package func sleep(until deadline: Duration) async throws {
    try await clock.sleep(until: origin.advanced(by: deadline), tolerance: nil)
  }
}
