/// The facts one scenario recorded, and their judgement: the one place that decides what a scenario must show.
///
/// dom0's driver records the facts (commands run, what they printed, liveness, Xen's view) and judges them at once
/// with `problems(in:)`; the report on the host reads the results back and never judges again.
public protocol ScenarioFacts: Codable, Sendable {
  /// What is wrong with these facts for this guest in this lab (empty: the scenario passed).
  func problems(in context: JudgeContext) -> [String]
}

/// What a judgement may depend on besides the facts: the lab and the guest.
public struct JudgeContext: Sendable {
  /// The lab the run is in.
  public var lab: Lab
  /// The guest the scenario ran on; `nil` for dom0-wide results.
  public var guest: LabGuest?

  /// A context.
  public init(lab: Lab, guest: LabGuest?) {
    self.lab = lab
    self.guest = guest
  }

  /// The guest's type (PV for a dom0-wide result, which never asks).
  public var kind: GuestKind { guest?.type ?? .pv }

  /// The suspend path xen-resume must choose for the guest (`LabGuest.expectedSuspendPath`).
  public var expectedSuspendPath: String { guest?.expectedSuspendPath ?? kind.expectedSuspendPath }
}

/// One judged result: what goes on the console as `@@RESULT {…}`.
public struct ScenarioResult<Facts: Encodable & Sendable>: Encodable, Sendable {
  /// The scenario's name ("fast-cycles", "conformance/vcpus.context-round-trip", …).
  public var scenario: String
  /// The guest's name, or "dom0" / "none" for results that belong to no guest.
  public var guest: String
  /// No problems.
  public var passed: Bool
  /// The judge's findings.
  public var problems: [String]
  /// What was observed.
  public var facts: Facts

  /// A judged result.
  public init(scenario: String, guest: String, problems: [String], facts: Facts) {
    self.scenario = scenario
    self.guest = guest
    self.passed = problems.isEmpty
    self.problems = problems
    self.facts = facts
  }
}

/// A result read back from the serial log: its facts as plain JSON (`facts(as:)` gives them typed).
public struct RecordedResult: Codable, Sendable {
  /// The scenario's name.
  public var scenario: String
  /// The guest's name, "dom0" or "none".
  public var guest: String
  /// The judge's verdict in dom0.
  public var passed: Bool
  /// The judge's findings.
  public var problems: [String]
  /// What was observed.
  public var facts: JSONDocument

  /// The row it fills.
  public var key: ResultKey { ResultKey(scenario, guest) }

  /// The facts decoded as the scenario's own type.
  public func facts<F: Decodable>(as type: F.Type) -> F? { facts.decode(as: type) }
}

/// A (scenario, guest) pair: one row of the report.
public struct ResultKey: Hashable, Sendable, Comparable, CustomStringConvertible {
  /// The scenario.
  public var scenario: String
  /// The guest, "dom0" or "none".
  public var guest: String

  /// A key.
  public init(_ scenario: String, _ guest: String) {
    self.scenario = scenario
    self.guest = guest
  }

  /// `scenario [guest]`.
  public var description: String { "\(scenario) [\(guest)]" }

  /// By scenario, then guest.
  public static func < (a: ResultKey, b: ResultKey) -> Bool { (a.scenario, a.guest) < (b.scenario, b.guest) }
}
