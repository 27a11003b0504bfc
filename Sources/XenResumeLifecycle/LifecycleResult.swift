import XenResumeCore

/// The outcome of one step of a lifecycle scenario on one guest.
///
/// One JSON object per line: `{"lifecycle":"foreign-suspend","step":"refuse-suspend","guest":"pv","domain":3,
/// "outcome":"passed","detail":"…","milliseconds":12,"facts":{…}}`. The facts are what the real-Xen harness's judge
/// re-checks (errors as `{"kind":…,"description":…}`, Xen's view of the domain, vcpu0 context digests), so the
/// shape is part of the package's interface.
public struct LifecycleResult: Sendable {
  /// Whether a step did what the scenario requires.
  public enum Outcome: String, Sendable, Hashable, CaseIterable {
    /// It did.
    case passed
    /// It did not; `detail` says what went wrong.
    case failed
    /// It could not run here; `detail` says why.
    case skipped
  }

  /// The scenario.
  public var scenario: LifecycleScenario
  /// The step, e.g. `refuse-suspend`.
  public var step: String
  /// The guest.
  public var guest: LifecycleGuest
  /// The verdict.
  public var outcome: Outcome
  /// What went wrong, why it was skipped, or what was seen.
  public var detail: String
  /// How long the step took, in whole milliseconds.
  public var milliseconds: Int
  /// The observations the verdict rests on.
  public var facts: [JSONMember]

  /// A result.
  public init(
    scenario: LifecycleScenario, step: String, guest: LifecycleGuest, outcome: Outcome, detail: String,
    milliseconds: Int, facts: [JSONMember]
  ) {
    self.scenario = scenario
    self.step = step
    self.guest = guest
    self.outcome = outcome
    self.detail = detail
    self.milliseconds = milliseconds
    self.facts = facts
  }

  /// The result as one JSON object.
  public var json: JSONValue {
    [
      "lifecycle": .string(scenario.rawValue), "step": .string(step), "guest": .string(guest.type.rawValue),
      "domain": .integer(guest.domain.rawValue), "outcome": .string(outcome.rawValue), "detail": .string(detail),
      "milliseconds": .integer(milliseconds), "facts": .object(facts),
    ]
  }
}

/// How many steps passed, failed and were skipped: `{"lifecycleSummary":{"passed":N,"failed":N,"skipped":N}}`, the
/// last line `xen-resume-lifecycle` prints.
public struct LifecycleSummary: Sendable, Equatable {
  /// Steps that did what was required.
  public var passed = 0
  /// Steps that did not.
  public var failed = 0
  /// Steps that could not run.
  public var skipped = 0

  /// Counts the outcomes of `results`.
  public init(_ results: some Sequence<LifecycleResult>) {
    for result in results {
      switch result.outcome {
      case .passed: passed += 1
      case .failed: failed += 1
      case .skipped: skipped += 1
      }
    }
  }

  /// The summary line's object.
  public var json: JSONValue {
    ["lifecycleSummary": ["passed": .integer(passed), "failed": .integer(failed), "skipped": .integer(skipped)]]
  }
}
