/// What a deadline timer's waits are doing at one moment (`DeadlineTimer.waitSnapshot`).
package struct TimedWaitSnapshot: Equatable, Sendable {
  /// Waits taking part in a `Deadline` race, the timer's own sleeps included.
  package var racing: Int
  /// Timed waits parked on the timer.
  package var parked: Int
  /// Whether the pump's sleep is registered on the clock, ends no later than the earliest parked deadline, and has
  /// not ended yet (`true` with nothing parked): nothing the timer holds can end before the clock moves.
  package var pumpAsleepInTime: Bool
  /// A count that grows with every change to the above.
  package var changes: UInt64
}

/// What a controller's waits are doing at one moment, for tests that step an injected clock.
///
/// A test that advances a `TestClock` while an operation is running makes the operation see time pass in the
/// middle of its own steps (it writes its request a second "later" than it set its deadline), and on a loaded
/// machine that is enough for a timeout the test did not intend. Such a test advances only when every wait the
/// operation has under way is parked: each race's own waits and its timer sleep, and the controller's
/// `@releaseDomain` pump, whose host waits the host reports (`SimulatedXenHost.waitSnapshot`). The parts are read
/// under different locks, so a reading is only known to describe one moment when a second reading taken right
/// after it is equal (each part's `changes` only grows).
package struct ControllerWaitSnapshot: Equatable, Sendable {
  /// The deadline timer's part, with the races.
  package var timer: TimedWaitSnapshot
  /// Waits parked on the `@releaseDomain` monitor.
  package var monitorParked: Int
  /// Tasks the controller keeps waiting on the host between operations (the monitor's pump: 0 or 1).
  package var hostWaitsBetweenOperations: Int
  /// A count that grows with every change to the monitor's part.
  package var monitorChanges: UInt64

  /// Whether an operation is waiting with a deadline and every task of it is parked, given how many tasks are
  /// parked in the host's waits: then only the clock (or another actor) can move it on.
  package func isParked(hostWaitsParked: Int) -> Bool {
    timer.racing > 0 && timer.pumpAsleepInTime
      && timer.racing + hostWaitsBetweenOperations == timer.parked + monitorParked + hostWaitsParked
  }
}
