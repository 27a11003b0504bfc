import SwiftXenResume

/// `checkpoint --paced`: one checkpoint per line read on stdin, each reported on its own JSON line, so that a
/// harness can interleave this process's cycles with another tool's on the same guest (the C reference client's
/// `paced` command speaks the same protocol) and compare them cycle by cycle.
///
/// Before the first cycle the domain is prepared (`SuspendController.prepare`), so no cycle's pause holds learning
/// the domain. After a cycle through the guest's suspend event channel the controller forgets the domain: the channel
/// and the suspend lock are given back for the other tool's cycle, as that tool gives them back for ours, and taken
/// again (prepared) before the next.
struct PacedCheckpointRun: Sendable {
  /// The controller every cycle uses.
  var controller: SuspendController
  /// The domain.
  var domain: DomainID
  /// Each suspend's budget.
  var timeout: Duration
  /// A forced path, or `nil`.
  var path: SuspendPath?

  /// Runs a cycle for every line `nextLine` returns, until it returns `nil`, and passes each cycle's report to
  /// `report`. Throws the first cycle's error, with the cycle's number.
  func execute(nextLine: () -> String?, report: (PacedCycleReport) -> Void) async throws {
    let clock = ContinuousClock()
    var lastLeft = ProcessCounters.leavingWindow()
    var cycle = 0
    // Prepared before the first cycle and after each that gave the channel back: between two xenstore or hypervisor
    // cycles nothing is to be done, and nothing is done (a harness counting system calls per cycle counts only the
    // cycle's own).
    var prepared = false
    while nextLine() != nil {
      cycle += 1
      do {
        try Task.checkCancellation()
        if !prepared {
          let plan = try await controller.prepare(domain, path: path)
          prepared = plan.path != .eventChannel
        }
        let entered = ProcessCounters.enteringWindow()
        let start = clock.now
        let suspended = try await controller.suspend(domain, timeout: timeout, path: path)
        let resumed = try await controller.resume(domain, mode: .fast)
        let pause = start.duration(to: clock.now)
        let left = ProcessCounters.leavingWindow()
        if suspended.path == .eventChannel { controller.forget(domain) }
        report(
          PacedCycleReport(
            cycle: cycle, domain: domain, guestType: suspended.guestType, path: suspended.path, pause: pause,
            stages: suspended.stages + resumed.stages, window: left.since(entered), between: entered.since(lastLeft)))
        lastLeft = left
      } catch {
        throw CommandFailure(classifying: error, context: "paced cycle \(cycle)")
      }
    }
  }
}

/// One paced cycle: `{"cycle":3,"domain":5,"guestType":"pv","path":"xenstoreControl","pauseMicroseconds":…,
/// "stageMicroseconds":{"planned":…,"requestWritten":…,"acknowledged":…,"suspended":…,"stateChecked":…,
/// "returnRegisterSet":…,"domainResumed":…,"xenstoreResumed":…},"window":{…},"between":{…}}`. `planned` is the
/// part of the pause before the request went out (nothing asked of the guest yet). `window` counts the process
/// from just before the pause's first clock reading to just after its last; `between` from the previous window's
/// end to this one's start (the report line, the wait for the next one, preparing, and giving back a channel).
struct PacedCycleReport: Encodable, Sendable {
  /// The cycle's number, from 1.
  var cycle: Int
  /// The domain.
  var domain: DomainID
  /// Its guest type.
  var guestType: GuestType
  /// The path the suspend took.
  var path: SuspendPath
  /// From before the suspend call until the resume returned.
  var pauseMicroseconds: Double
  /// Each suspend and resume stage (their names are distinct).
  var stageMicroseconds: [String: Double]
  /// The process's counts over the pause.
  var window: ProcessCounters
  /// The process's counts since the previous pause ended.
  var between: ProcessCounters

  init(
    cycle: Int, domain: DomainID, guestType: GuestType, path: SuspendPath, pause: Duration, stages: [StageTiming],
    window: ProcessCounters, between: ProcessCounters
  ) {
    self.cycle = cycle
    self.domain = domain
    self.guestType = guestType
    self.path = path
    pauseMicroseconds = pause.microseconds
    var byStage: [String: Double] = [:]
    for timing in stages { byStage[timing.stage.rawValue, default: 0] += timing.duration.microseconds }
    stageMicroseconds = byStage
    self.window = window
    self.between = between
  }
}
