/// One stage of a suspend or resume as xen-resume's `--json` documents print it: `{"stage":"acknowledged",
/// "microseconds":812.5}`.
public struct StageEntry: Codable, Sendable, Equatable {
  /// The stage's name (`StageTiming.Stage`'s raw value).
  public var stage: String
  /// How long it took.
  public var microseconds: Double

  /// An entry.
  public init(stage: String, microseconds: Double) {
    self.stage = stage
    self.microseconds = microseconds
  }
}

/// One cycle of `xen-resume checkpoint --cycle-details`: the pause the command measured around the cycle, and the
/// suspend and resume as the controller measured them inside it.
public struct CycleTimingEntry: Codable, Sendable, Equatable {
  /// From before the suspend call until the resume returned.
  public var pauseMicroseconds: Double
  /// The suspend's duration (the sum of its stages).
  public var suspendMicroseconds: Double
  /// The resume's duration (the sum of its stages).
  public var resumeMicroseconds: Double

  /// An entry.
  public init(pauseMicroseconds: Double, suspendMicroseconds: Double, resumeMicroseconds: Double) {
    self.pauseMicroseconds = pauseMicroseconds
    self.suspendMicroseconds = suspendMicroseconds
    self.resumeMicroseconds = resumeMicroseconds
  }
}

/// What the stage timings must say on real Xen: the stages each path and mode passes, in order, adding up to the
/// operation's duration; and inside a checkpoint cycle, a suspend and a resume that fit in the pause measured around
/// them and account for most of it.
public enum StageJudge {
  /// JSON durations carry three decimals of a microsecond: sums may differ from the total by their rounding.
  static let roundingSlack = 0.05

  /// The fewest of a checkpoint cycle's pause the controller's suspend and resume must account for, in the median
  /// cycle. The rest is the command's own work between the two calls (bookkeeping, and dom0's scheduler); one cycle
  /// may lose more to a descheduled dom0, so the median is judged, not each cycle.
  public static let minimumMedianCoverage = 0.8

  /// The suspend stages of a path, in order: `planned` (the reads before the request) on every path first.
  public static func suspendStages(path: String) -> [String] {
    ["planned"]
      + (path == "xenstoreControl" ? ["requestWritten", "acknowledged", "suspended"] : ["requestSent", "suspended"])
  }

  /// The stages of a fast resume by a fresh process: vcpu0's return register is written only for a guest with PV
  /// drivers (a pure HVM guest, suspended through `xc_domain_shutdown`, is not in its suspend hypercall).
  public static func fastResumeStages(kind: GuestKind) -> [String] {
    ["stateChecked"] + (kind.isPVAware ? ["returnRegisterSet"] : []) + ["domainResumed", "xenstoreResumed"]
  }

  /// Problems with one operation's stages: the expected names in order, none negative, adding up to its duration.
  public static func problems(
    _ stages: [StageEntry]?, expected: [String], duration: Double?, _ what: String
  ) -> [String] {
    guard let stages else { return ["\(what): no stages"] }
    var problems: [String] = []
    let names = stages.map(\.stage)
    if names != expected { problems.append("\(what): stages \(names), expected \(expected)") }
    if stages.contains(where: { $0.microseconds < 0 }) { problems.append("\(what): a negative stage") }
    let sum = stages.reduce(0) { $0 + $1.microseconds }
    if let duration, abs(sum - duration) > roundingSlack * Double(max(1, stages.count)) {
      problems.append("\(what): stages add up to \(sum) µs, the duration is \(duration) µs")
    }
    return problems
  }

  /// Problems with checkpoint cycles: every cycle's suspend and resume fit in its pause, and in the median cycle they
  /// account for at least `minimumMedianCoverage` of it.
  public static func problems(cycles: [CycleTimingEntry]) -> [String] {
    guard !cycles.isEmpty else { return ["no cycle timings"] }
    var problems: [String] = []
    for (index, cycle) in cycles.enumerated()
    where cycle.suspendMicroseconds + cycle.resumeMicroseconds > cycle.pauseMicroseconds + roundingSlack {
      problems.append(
        "cycle \(index + 1): suspend \(cycle.suspendMicroseconds) µs + resume \(cycle.resumeMicroseconds) µs "
          + "exceed the pause around them, \(cycle.pauseMicroseconds) µs")
    }
    let coverage = cycles.map { ($0.suspendMicroseconds + $0.resumeMicroseconds) / max($0.pauseMicroseconds, 1) }
      .sorted()
    let median = coverage[coverage.count / 2]
    if median < minimumMedianCoverage {
      problems.append(
        "in the median cycle the suspend and resume cover \(Int(median * 100)) % of the pause "
          + "(at least \(Int(minimumMedianCoverage * 100)) %)")
    }
    return problems
  }
}
