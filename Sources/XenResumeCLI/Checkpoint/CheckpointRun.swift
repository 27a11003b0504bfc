import SwiftXenResume

/// The checkpoint loop: `count` times `controller.checkpoint` (suspend, fast resume) with the pause of each
/// cycle measured on the continuous clock.
struct CheckpointRun: Sendable {
  /// The controller every cycle uses, so the domain's facts are learned once.
  var controller: SuspendController
  /// The domain.
  var domain: DomainID
  /// How many cycles.
  var count: Int
  /// Running time between cycles.
  var interval: Duration
  /// Each suspend's budget.
  var timeout: Duration
  /// A forced path, or `nil`.
  var path: SuspendPath?

  /// What a finished run measured.
  struct Result: Sendable {
    /// The guest type, from the first cycle.
    var guestType: GuestType
    /// The path the suspends took.
    var path: SuspendPath
    /// Cycles that completed.
    var succeeded: Int
    /// The pause distribution.
    var statistics: PauseStatistics
  }

  /// A cycle failed: how far the run got, and why.
  struct Failure: Error {
    /// The cycle's error.
    var underlying: any Error
    /// Cycles that completed before it.
    var succeeded: Int
    /// The pauses of those cycles.
    var statistics: PauseStatistics
  }

  /// Runs the cycles; `progress` is called after each with the number done and the last pause (it decides
  /// itself how often to show anything).
  func execute(progress: (Int, Duration) -> Void) async throws(Failure) -> Result {
    let clock = ContinuousClock()
    var statistics = PauseStatistics()
    var first: SuspendedDomain?
    for cycle in 0..<count {
      do {
        // A simulated guest answers without ever suspending the task, so nothing else would notice a signal.
        try Task.checkCancellation()
        if cycle > 0, interval > .zero { try await Task.sleep(for: interval, clock: clock) }
        let start = clock.now
        let suspended = try await controller.checkpoint(domain, timeout: timeout, path: path) { $0 }
        let pause = start.duration(to: clock.now)
        statistics.record(pause)
        if first == nil { first = suspended }
        progress(cycle + 1, pause)
      } catch {
        throw Failure(underlying: error, succeeded: cycle, statistics: statistics)
      }
    }
    // `count` is at least 1, so a run that got here has a first cycle.
    let reference = first!
    return Result(guestType: reference.guestType, path: reference.path, succeeded: count, statistics: statistics)
  }
}
