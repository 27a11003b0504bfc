@_spi(XenHostBackends) import SwiftXenResume
import XenSimulator

/// Runs every step of the demo on a fresh simulator through one `SuspendController`, as one toolstack would,
/// and checks each step against what the simulated guest itself saw.
struct DemoRunner {
  /// The budget of every suspend of a cooperative guest: generous, since the simulator answers at once.
  static let timeout = Duration.seconds(10)
  /// The budget of the suspend of the guest that never acknowledges: short, so the demo does not wait long.
  static let stuckTimeout = Duration.milliseconds(200)
  /// Checkpoints per checkpoint step.
  static let checkpointCycles = 20

  private let simulator: SimulatedXenHost
  private let controller: SuspendController
  private let clock = ContinuousClock()
  private var rows: [DemoReport.Row] = []

  /// A runner over a simulator the caller created (and populated with `DemoGuest.all`).
  init(simulator: SimulatedXenHost, controller: SuspendController) {
    self.simulator = simulator
    self.controller = controller
  }

  /// Runs all steps on all guests and returns the report.
  mutating func run(_ guests: [(domain: DomainID, guest: DemoGuest)]) async -> DemoReport {
    for (domain, guest) in guests {
      if guest.neverAcknowledges {
        await suspendThatTimesOut(domain, guest)
      } else {
        await allSteps(domain, guest)
      }
    }
    return DemoReport(rows: rows)
  }

  // MARK: Steps

  private mutating func allSteps(_ domain: DomainID, _ guest: DemoGuest) async {
    let resumed: DemoExpectation =
      guest.isPVAware ? .fastResume(path: guest.expectedPath) : .unnoticedResume()
    await suspendThenResume(domain, guest, step: "suspend auto + fast resume", forcing: nil, expect: resumed)

    for forced in SuspendPath.allCases where forced != guest.expectedPath {
      let expectation: DemoExpectation
      switch forced {
      case .xenstoreControl where guest.isPVAware: expectation = .fastResume(path: .xenstoreControl)
      case .eventChannel where guest.hasEventChannel: expectation = .fastResume(path: .eventChannel)
      default: expectation = .refusedUntouched
      }
      await suspendThenResume(
        domain, guest, step: "suspend --path \(forced) + fast resume", forcing: forced, expect: expectation)
    }

    if guest.guest.type == .pv {
      await slowResumeRefusedThenConfirmed(domain, guest)
    } else if guest.isPVAware {
      var softReset = DemoExpectation(outcome: .success, path: guest.expectedPath)
      softReset.counters = [
        "suspendRequestsSeen": 1, "suspendsCompleted": 1, "resumesAsNewDomain": 1, "driverReconnects": 1,
      ]
      await suspendThenResume(
        domain, guest, step: "suspend + slow resume (soft reset, no confirmation needed)", forcing: nil, mode: .slow,
        expect: softReset)
    } else {
      await suspendThenResume(
        domain, guest, step: "suspend + slow resume (no confirmation needed)", forcing: nil, mode: .slow,
        expect: .unnoticedResume())
      await suspendThenResume(
        domain, guest, step: "suspend + uncooperative resume", forcing: nil, mode: .uncooperative,
        expect: .unnoticedResume())
    }

    await checkpoints(domain, guest)
  }

  /// Suspend (auto or forced path), then resume in `mode`; the pause is the whole time in between.
  private mutating func suspendThenResume(
    _ domain: DomainID, _ guest: DemoGuest, step: String, forcing path: SuspendPath?, mode: ResumeMode = .fast,
    expect expectation: DemoExpectation
  ) async {
    await perform(domain, guest, step: step, expect: expectation) { runner in
      let start = runner.clock.now
      let suspended = try await runner.controller.suspend(domain, timeout: Self.timeout, path: path)
      try await runner.controller.resume(domain, mode: mode)
      let outcome = "resumed \(mode == .uncooperative ? "uncooperatively" : mode.rawValue)"
      return StepResult(path: suspended.path, pause: start.duration(to: runner.clock.now), outcome: outcome)
    }
  }

  /// The slow resume of a PV guest: refused without confirmation (the guest stays suspended, untouched), then done
  /// with it (the guest sees a new domain and survives, being a generic kernel).
  private mutating func slowResumeRefusedThenConfirmed(_ domain: DomainID, _ guest: DemoGuest) async {
    var refused = DemoExpectation(outcome: .refused, path: nil)
    refused.counters = ["suspendRequestsSeen": 1, "suspendsCompleted": 1]
    refused.stateAfter = .shutDown(.suspend)
    var pauseStart: ContinuousClock.Instant?
    await perform(domain, guest, step: "suspend + slow resume without --confirm-slow", expect: refused) { runner in
      pauseStart = runner.clock.now
      _ = try await runner.controller.suspend(domain, timeout: Self.timeout)
      try await runner.controller.resume(domain, mode: .slow)
      return StepResult(path: nil, pause: nil, outcome: "resumed slow")
    }
    let confirmed = DemoExpectation(
      outcome: .success, path: nil, counters: ["resumesAsNewDomain": 1, "driverReconnects": 1])
    await perform(domain, guest, step: "slow resume --confirm-slow", expect: confirmed) { runner in
      try await runner.controller.resume(domain, mode: .slow, options: .confirmSlowResumeOfPVAwareGuest)
      let pause = pauseStart.map { $0.duration(to: runner.clock.now) }
      return StepResult(path: nil, pause: pause, outcome: "resumed slow")
    }
  }

  /// `checkpointCycles` checkpoints; the row shows the median pause.
  private mutating func checkpoints(_ domain: DomainID, _ guest: DemoGuest) async {
    let cycles = Self.checkpointCycles
    let expectation: DemoExpectation =
      guest.isPVAware ? .fastResume(path: guest.expectedPath, cycles: cycles) : .unnoticedResume(cycles: cycles)
    await perform(domain, guest, step: "checkpoint x\(cycles) (median pause)", expect: expectation) { runner in
      var statistics = PauseStatistics()
      var path: SuspendPath?
      for _ in 0..<cycles {
        let start = runner.clock.now
        let suspended = try await runner.controller.checkpoint(domain, timeout: Self.timeout) { $0 }
        statistics.record(start.duration(to: runner.clock.now))
        path = suspended.path
      }
      return StepResult(
        path: path, pause: .microseconds(statistics.summary.p50), outcome: "\(cycles) checkpoints")
    }
  }

  /// The guest that never acknowledges: the suspend times out at the acknowledgement stage, the request is
  /// withdrawn from its control node, and the guest runs on untouched.
  private mutating func suspendThatTimesOut(_ domain: DomainID, _ guest: DemoGuest) async {
    var expectation = DemoExpectation(outcome: .timedOut(.acknowledgement), path: nil)
    expectation.counters = ["suspendRequestsSeen": 1]
    let before = simulator.observations(of: domain)
    var error: (any Error)?
    do {
      _ = try await controller.suspend(domain, timeout: Self.stuckTimeout)
    } catch let caught {
      error = caught
    }
    let delta = ObservationDelta(from: before, to: simulator.observations(of: domain))
    let outcome = Self.outcome(of: error)
    var problems = expectation.problems(
      outcome: outcome, error: error, path: nil, delta: delta, state: state(of: domain))
    let request = try? simulator.read(XenStorePath.controlShutdown(of: domain))
    let withdrawn = request == nil || request == ""
    if !withdrawn {
      problems.append("control/shutdown still holds \"\(request ?? "")\": the request was not withdrawn")
    }
    var text = Self.describe(outcome, error: error)
    if case .timedOut = outcome { text += withdrawn ? ", request withdrawn" : ", request NOT withdrawn" }
    rows.append(
      DemoReport.Row(
        guest: guest.name, domain: domain, step: "suspend auto, \(Self.stuckTimeout.humanReadable) timeout", path: nil,
        outcome: text, expected: expectation.summary + ", request withdrawn", observations: delta,
        pauseMicroseconds: nil, ok: problems.isEmpty, problems: problems))
  }

  // MARK: Bookkeeping

  /// What a step's action reports when it succeeds.
  struct StepResult {
    /// The suspend path taken, if the step suspended.
    var path: SuspendPath?
    /// The guest's pause, if the step paused it.
    var pause: Duration?
    /// What happened, in words.
    var outcome: String
  }

  /// Runs `action`, then compares its result and the guest's observations with the expectation and adds a row.
  private mutating func perform(
    _ domain: DomainID, _ guest: DemoGuest, step: String, expect expectation: DemoExpectation,
    _ action: (DemoRunner) async throws -> StepResult
  ) async {
    let before = simulator.observations(of: domain)
    var result: StepResult?
    var error: (any Error)?
    do {
      result = try await action(self)
    } catch let caught {
      error = caught
    }
    let delta = ObservationDelta(from: before, to: simulator.observations(of: domain))
    let outcome = Self.outcome(of: error)
    let problems = expectation.problems(
      outcome: outcome, error: error, path: result?.path, delta: delta, state: state(of: domain))
    rows.append(
      DemoReport.Row(
        guest: guest.name, domain: domain, step: step, path: result?.path,
        outcome: result?.outcome ?? Self.describe(outcome, error: error), expected: expectation.summary,
        observations: delta, pauseMicroseconds: result?.pause?.microseconds, ok: problems.isEmpty,
        problems: problems))
  }

  private func state(of domain: DomainID) -> DomainState? {
    (try? simulator.domainInfo(domain)).map(DomainState.init)
  }

  /// The outcome an error stands for; `nil` for an error no step expects.
  static func outcome(of error: (any Error)?) -> DemoExpectation.Outcome? {
    guard let error else { return .success }
    switch error as? SuspendResumeError {
    case .refused: return .refused
    case .timedOut(_, let stage, _, _): return .timedOut(stage)
    default: return nil
    }
  }

  /// The table's words for an outcome.
  static func describe(_ outcome: DemoExpectation.Outcome?, error: (any Error)?) -> String {
    switch outcome {
    case .success: "done"
    case .refused: "refused"
    case .timedOut(let stage): "timed out (\(stage))"
    case nil: "failed: \(error.map { CommandFailure(classifying: $0).kind.rawValue } ?? "unknown")"
    }
  }
}
