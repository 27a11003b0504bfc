import SwiftXenResume

/// What one demo step must produce: the library's answer, the path, what the guest saw, and the domain's state
/// afterwards. A step that differs in any of them is a wrong cell, and the demo exits 1.
struct DemoExpectation: Sendable {
  /// How the library call must end.
  enum Outcome: Sendable, Hashable {
    /// Without an error.
    case success
    /// With `SuspendResumeError.refused`, nothing touched.
    case refused
    /// With `SuspendResumeError.timedOut` at this stage, the request withdrawn.
    case timedOut(SuspendStage)
  }

  /// How the call must end.
  var outcome: Outcome
  /// The suspend path that must be taken, for steps that suspend successfully.
  var path: SuspendPath?
  /// The exact growth of each guest counter (by `ObservationDelta` name); counters not listed must not move.
  var counters: [String: Int] = [:]
  /// The domain's state after the step.
  var stateAfter: DomainState = .running

  /// A suspend request that was answered and a fast resume: the guest sees its suspend cancelled.
  static func fastResume(path: SuspendPath, cycles: Int = 1) -> DemoExpectation {
    DemoExpectation(
      outcome: .success, path: path,
      counters: ["suspendRequestsSeen": cycles, "suspendsCompleted": cycles, "resumesCancelled": cycles])
  }

  /// A pure HVM guest stopped by `xc_domain_shutdown` and let run again: it never knew.
  static func unnoticedResume(cycles: Int = 1) -> DemoExpectation {
    DemoExpectation(outcome: .success, path: .hypervisorShutdown, counters: ["resumesUnnoticed": cycles])
  }

  /// Refused before anything was touched: the guest saw nothing and runs on.
  static let refusedUntouched = DemoExpectation(outcome: .refused)

  /// Checks what happened; the problems in words, empty when everything is as it must be.
  func problems(
    outcome actual: Outcome?, error: (any Error)?, path actualPath: SuspendPath?, delta: ObservationDelta,
    state: DomainState?
  ) -> [String] {
    var problems: [String] = []
    if actual != outcome {
      let got = error.map { "\($0)" } ?? "success"
      problems.append("expected \(Self.describe(outcome)), got \(got)")
    }
    if let path, actualPath != path {
      problems.append("expected path \(path), got \(actualPath.map(String.init(describing:)) ?? "none")")
    }
    for counter in delta.counters where counter.value != counters[counter.name, default: 0] {
      problems.append("\(counter.name) grew by \(counter.value), expected \(counters[counter.name, default: 0])")
    }
    if !delta.isHealthy { problems.append("guest is unhealthy: \(delta.failure ?? "no reason given")") }
    if state != stateAfter {
      problems.append("domain is \(state.map(String.init(describing:)) ?? "unreadable"), expected \(stateAfter)")
    }
    return problems
  }

  /// The expectation in a few words, for the JSON rows.
  var summary: String {
    var text = Self.describe(outcome)
    if let path { text += " via \(path)" }
    let moved = counters.sorted { $0.key < $1.key }.filter { $0.value != 0 }.map { "\($0.key)+\($0.value)" }
    text += "; guest: " + (moved.isEmpty ? "nothing" : moved.joined(separator: " ")) + ", healthy"
    text += "; domain \(stateAfter) after"
    return text
  }

  static func describe(_ outcome: Outcome) -> String {
    switch outcome {
    case .success: "success"
    case .refused: "refused"
    case .timedOut(let stage): "timed out (\(stage))"
    }
  }
}
