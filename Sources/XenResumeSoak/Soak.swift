/// The randomised soak: random sequences of operations, faults, other actors and cancellation against the
/// simulator, every promise of the library checked after every step, failing sequences shrunk to a minimal
/// reproduction.
///
/// ```swift
/// let report = await Soak(seed: 42).run(steps: 100_000)
/// print(report.summary)   // soak: 100000 steps, 2500 sequences, 0 violations
/// ```
public struct Soak: Sendable {
  /// The seed the sequences come from.
  public var seed: UInt64
  /// Steps per sequence, after its first guests are created.
  public var stepsPerSequence: Int

  /// A soak whose sequences are fixed by `seed`.
  public init(seed: UInt64, stepsPerSequence: Int = 40) {
    self.seed = seed
    self.stepsPerSequence = stepsPerSequence
  }

  /// Runs sequences until `steps` steps have run; each violation found is shrunk (one per invariant, later ones are
  /// counted but not shrunk again) and reported with its reproduction. `progress` hears about every sequence.
  public func run(steps: Int, progress: (@Sendable (SoakReport) -> Void)? = nil) async -> SoakReport {
    var generator = SoakGenerator(seed: seed)
    var report = SoakReport()
    while report.steps < steps {
      let sequence = SoakSequence(generator.sequence(steps: stepsPerSequence))
      report.sequences += 1
      report.steps += sequence.steps.count
      if let violation = await sequence.run() {
        report.violations += 1
        if !report.findings.contains(where: { $0.violation.invariant == violation.invariant }) {
          if let (shrunk, minimal) = await SoakShrinker().shrink(sequence, violating: violation.invariant) {
            report.findings.append(
              SoakFinding(sequenceNumber: report.sequences, violation: minimal, sequence: shrunk, reproduced: true))
          } else {
            // Not seen again on a new host: it depends on timing (two operations at once, the machine's load).
            report.findings.append(
              SoakFinding(sequenceNumber: report.sequences, violation: violation, sequence: sequence, reproduced: false)
            )
          }
        }
      }
      progress?(report)
    }
    return report
  }
}

/// What a soak run did and found.
public struct SoakReport: Sendable, Hashable {
  /// Steps run.
  public var steps = 0
  /// Sequences run.
  public var sequences = 0
  /// Sequences that broke a promise.
  public var violations = 0
  /// The first violation of each promise, shrunk.
  public var findings: [SoakFinding] = []

  /// An empty report.
  public init() {}

  /// `soak: <steps> steps, <sequences> sequences, <violations> violations`.
  public var summary: String { "soak: \(steps) steps, \(sequences) sequences, \(violations) violations" }
}

/// One broken promise and the smallest sequence found that breaks it.
public struct SoakFinding: Sendable, Hashable {
  /// Which sequence of the run broke it first (from 1).
  public var sequenceNumber: Int
  /// The violation, as the shrunk sequence shows it.
  public var violation: SoakViolation
  /// The shrunk sequence (the whole one when it did not reproduce).
  public var sequence: SoakSequence
  /// Whether a second run of the sequence broke the promise again (so that it could be shrunk); `false` for a
  /// violation that depends on timing.
  public var reproduced: Bool

  /// The finding as a test to paste.
  public var swiftTest: String {
    let test = sequence.swiftTest(
      name: "soakFinding\(violation.invariant.rawValue.prefix(1).uppercased())"
        + "\(violation.invariant.rawValue.dropFirst())", violation: violation)
    return reproduced ? test : "/// Did not reproduce on a second run: it depends on timing.\n" + test
  }
}
