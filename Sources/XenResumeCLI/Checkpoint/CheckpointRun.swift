import SwiftXenResume

/// The checkpoint loop: `count` times suspend and fast resume, with the pause of each cycle measured on the
/// continuous clock around both, apart from the stages the controller measures inside them.
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
  /// Whether to keep each cycle's pause, suspend and resume (one entry per cycle, so only on request).
  var keepsCycles = false

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
    /// The distribution of each suspend and resume stage the cycles passed.
    var stages: StageStatistics
    /// Each cycle's timings, when asked for.
    var cycles: [CycleTiming]?
    /// From the first cycle's start to the last one's end, intervals included: what the loop's rate is made of.
    var elapsed: Duration
  }

  /// One cycle: its pause as the run measured it, and the suspend and resume as the controller did (the sums of
  /// their stages), so that a reader can check the stages against the pause.
  struct CycleTiming: Sendable, Hashable {
    /// From before the suspend call until the resume call returned.
    var pause: Duration
    /// `SuspendedDomain.duration`, which its stages add up to.
    var suspend: Duration
    /// `ResumedDomain.duration`, which its stages add up to.
    var resume: Duration
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
    var stages = StageStatistics()
    var cycles: [CycleTiming]? = keepsCycles ? [] : nil
    var first: SuspendedDomain?
    do {
      // Learned, locked and (on the event channel path) bound before the loop, as a checkpointing toolstack
      // does: the first pause is then as short as the others.
      try await controller.prepare(domain, path: path)
    } catch {
      throw Failure(underlying: error, succeeded: 0, statistics: statistics)
    }
    let loopStart = clock.now
    for cycle in 0..<count {
      do {
        // A simulated guest answers without ever suspending the task, so nothing else would notice a signal.
        try Task.checkCancellation()
        if cycle > 0, interval > .zero { try await Task.sleep(for: interval, clock: clock) }
        let start = clock.now
        // What `controller.checkpoint` does with an empty body, spelled out because its body cannot see the
        // resume's stages. A resume that is not reached (the suspend failed) is not needed either: a failed
        // suspend leaves the guest running.
        let suspended = try await controller.suspend(domain, timeout: timeout, path: path)
        let resumed = try await controller.resume(domain, mode: .fast)
        let pause = start.duration(to: clock.now)
        statistics.record(pause)
        stages.record(suspended.stages)
        stages.record(resumed.stages)
        cycles?.append(CycleTiming(pause: pause, suspend: suspended.duration, resume: resumed.duration))
        if first == nil { first = suspended }
        progress(cycle + 1, pause)
      } catch {
        throw Failure(underlying: error, succeeded: cycle, statistics: statistics)
      }
    }
    // `count` is at least 1, so a run that got here has a first cycle.
    let reference = first!
    return Result(
      guestType: reference.guestType, path: reference.path, succeeded: count, statistics: statistics,
      stages: stages, cycles: cycles, elapsed: loopStart.duration(to: clock.now))
  }
}

/// The distribution of each stage over a run, in microseconds like the pauses.
struct StageStatistics: Sendable {
  /// One distribution per stage seen. Ten stages at most, so a dictionary lookup per stage and cycle is no cost
  /// beside the cycle itself.
  private var byStage: [StageTiming.Stage: PauseStatistics] = [:]

  /// Records one operation's stages.
  mutating func record(_ stages: [StageTiming]) {
    for timing in stages { byStage[timing.stage, default: PauseStatistics()].record(timing.duration) }
  }

  /// The stages seen, in the order an operation passes them, with their summaries.
  var summaries: [(stage: StageTiming.Stage, summary: PauseStatistics.Summary)] {
    StageTiming.Stage.allCases.compactMap { stage in byStage[stage].map { (stage, $0.summary) } }
  }
}
