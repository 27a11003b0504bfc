/// One line of a tool's paced run (`xen-resume checkpoint --paced`, `xc-suspend-resume paced`): a cycle's pause, its
/// stages and what it cost the process, or the error that ended the run. xen-resume reports an error as
/// `{"error":{"kind":…,"message":…}}`, the C client as `"error":"…"` (null when there was none).
public struct PacedCycleDocument: Decodable, Sendable, Equatable {
  /// What a process did over a window: CPU time, context switches, wake-ups of its threads.
  public struct Counts: Codable, Sendable, Equatable {
    /// User CPU time.
    public var userMicroseconds: Double
    /// System CPU time.
    public var systemMicroseconds: Double
    /// Switches because a thread blocked.
    public var voluntarySwitches: Double
    /// Switches because a thread was preempted.
    public var involuntarySwitches: Double
    /// Times a thread was put on a CPU (-1: unknown).
    public var wakeups: Double

    /// Counts.
    public init(
      userMicroseconds: Double, systemMicroseconds: Double, voluntarySwitches: Double, involuntarySwitches: Double,
      wakeups: Double
    ) {
      self.userMicroseconds = userMicroseconds
      self.systemMicroseconds = systemMicroseconds
      self.voluntarySwitches = voluntarySwitches
      self.involuntarySwitches = involuntarySwitches
      self.wakeups = wakeups
    }
  }

  /// The cycle's whole pause, from the start of the suspend (its state check) until the resume returned.
  public var pauseMicroseconds: Double?
  /// Its stages by name.
  public var stageMicroseconds: [String: Double]?
  /// The process over the pause.
  public var window: Counts?
  /// The process since the previous pause.
  public var between: Counts?
  /// The error, in either tool's form.
  public var error: String?

  private enum CodingKeys: String, CodingKey {
    case pauseMicroseconds, stageMicroseconds, window, between, error
  }

  private struct XenResumeError: Decodable {
    var kind: String
    var message: String
  }

  /// A cycle as the tools print it.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    pauseMicroseconds = try container.decodeIfPresent(Double.self, forKey: .pauseMicroseconds)
    stageMicroseconds = try container.decodeIfPresent([String: Double].self, forKey: .stageMicroseconds)
    window = try container.decodeIfPresent(Counts.self, forKey: .window)
    between = try container.decodeIfPresent(Counts.self, forKey: .between)
    if let structured = try? container.decodeIfPresent(XenResumeError.self, forKey: .error) {
      error = "\(structured.kind): \(structured.message)"
    } else {
      error = try container.decodeIfPresent(String.self, forKey: .error)
    }
  }

  /// A cycle that completed: a pause, and no error.
  public var completed: Bool { error == nil && pauseMicroseconds != nil }

  /// The pause the comparison compares: from the request until the resume returned. The guest feels nothing before
  /// it is asked, so the reads before the request (the `planned` stage, reported on its own) are left out; a
  /// document of a tool that reports no `planned` stage is compared whole.
  public var comparedPauseMicroseconds: Double? {
    guard let pauseMicroseconds else { return nil }
    return pauseMicroseconds - (stageMicroseconds?["planned"] ?? 0)
  }
}

/// What one tool did over a paced comparison, reduced in dom0 so that a result line stays short: every completed
/// cycle's pause (the bootstrap needs them all), each stage's median, and the mean counts per cycle.
public struct PacedToolSummary: Codable, Sendable, Equatable {
  /// Every completed cycle's compared pause (`PacedCycleDocument.comparedPauseMicroseconds`: from the request until
  /// the resume returned), in order, to 0.1 µs.
  public var pauses: [Double]
  /// Each stage's median over the completed cycles, by the tool's own stage names and by the `commonStages`.
  public var stageMedians: [String: Double]

  /// The stages both tools pass, each the same moments on both sides: `planned` (the state check and the facts read,
  /// before anything is asked of the guest: outside the compared pause), `request` (from `planned` until the request
  /// was written or sent; from the start in documents without `planned`), `acknowledged` (xenstore path only),
  /// `suspended`, `resume` (xen-resume's state check, return register and resumedomain; the C client's
  /// `xc_domain_resume`, which does the same), `xenstoreResumed`.
  public static let commonStages = ["planned", "request", "acknowledged", "suspended", "resume", "xenstoreResumed"]

  /// A cycle's stages with the common ones added.
  static func withCommonStages(_ stages: [String: Double]) -> [String: Double] {
    var all = stages
    all["request"] = stages["requestWritten"] ?? stages["requestSent"]
    let resume = ["stateChecked", "returnRegisterSet", "domainResumed"].compactMap { stages[$0] }
    if !resume.isEmpty { all["resume"] = resume.reduce(0, +) }
    return all
  }
  /// The mean counts per cycle over the pause.
  public var window: PacedCycleDocument.Counts?
  /// The mean counts per cycle between pauses.
  public var between: PacedCycleDocument.Counts?
  /// The error that ended this tool's cycles, if one did.
  public var error: String?
  /// Its system calls per cycle, from a traced run after the timed one (`nil`: not traced, or strace failed).
  public var syscalls: SyscallCounts?

  /// The summary of a tool's cycle lines (the completed ones; the first error, if any).
  public init(_ cycles: [PacedCycleDocument], endedBy error: String? = nil, syscalls: SyscallCounts? = nil) {
    self.syscalls = syscalls
    let completed = cycles.filter(\.completed)
    pauses = completed.compactMap(\.comparedPauseMicroseconds).map { ($0 * 10).rounded() / 10 }
    var byStage: [String: [Double]] = [:]
    for cycle in completed {
      for (stage, value) in Self.withCommonStages(cycle.stageMicroseconds ?? [:]) {
        byStage[stage, default: []].append(value)
      }
    }
    stageMedians = byStage.compactMapValues { SampleStatistics.median($0).map { ($0 * 10).rounded() / 10 } }
    window = Self.mean(completed.compactMap(\.window))
    between = Self.mean(completed.compactMap(\.between))
    self.error = error ?? cycles.first(where: { $0.error != nil })?.error
  }

  /// The mean of each count, `nil` for none.
  static func mean(_ counts: [PacedCycleDocument.Counts]) -> PacedCycleDocument.Counts? {
    guard !counts.isEmpty else { return nil }
    func average(_ value: (PacedCycleDocument.Counts) -> Double) -> Double {
      (counts.map(value).reduce(0, +) / Double(counts.count) * 100).rounded() / 100
    }
    return PacedCycleDocument.Counts(
      userMicroseconds: average(\.userMicroseconds), systemMicroseconds: average(\.systemMicroseconds),
      voluntarySwitches: average(\.voluntarySwitches), involuntarySwitches: average(\.involuntarySwitches),
      wakeups: average(\.wakeups))
  }
}

/// "pause-compare": xen-resume's and the C client's cycles interleaved one by one on the same guest (in an order
/// drawn per pair from a seeded generator), both processes warm, each cycle's pause and cost reported by the tool
/// itself. The ratio of the median pauses comes with a bootstrap 95 % interval.
public struct PauseCompareFacts: ScenarioFacts {
  /// The path both tools took (`xenstoreControl`, `eventChannel`, `hypervisorShutdown`).
  public var path: String
  /// Cycles asked of each tool.
  public var wanted: Int
  /// Whether the time budget ended the comparison before `wanted` cycles each.
  public var cutByBudget: Bool
  /// The budget in seconds.
  public var budgetSeconds: Double
  /// The seed of the order.
  public var seed: UInt64
  /// xen-resume's cycles.
  public var swift: PacedToolSummary
  /// The C client's cycles.
  public var c: PacedToolSummary
  /// Each tool's exit code once its input ended (`nil`: killed).
  public var swiftExit: Int32?
  /// The C client's.
  public var cExit: Int32?
  /// The guest afterwards.
  public var liveness: Liveness
  /// What the C client did to undo a suspension left behind, if anything.
  public var recovered: String?

  /// The fewest cycles per tool a comparison needs to mean anything, even when its budget cut it short.
  public static let minimumCycles = 20

  /// Facts of a comparison.
  public init(
    path: String, wanted: Int, cutByBudget: Bool, budgetSeconds: Double, seed: UInt64, swift: PacedToolSummary,
    c: PacedToolSummary, swiftExit: Int32?, cExit: Int32?, liveness: Liveness, recovered: String?
  ) {
    self.path = path
    self.wanted = wanted
    self.cutByBudget = cutByBudget
    self.budgetSeconds = budgetSeconds
    self.seed = seed
    self.swift = swift
    self.c = c
    self.swiftExit = swiftExit
    self.cExit = cExit
    self.liveness = liveness
    self.recovered = recovered
  }

  /// The ratio of xen-resume's median pause to the C client's, with its interval.
  public var ratio: MedianRatio? { MedianRatio(numerator: swift.pauses, denominator: c.pauses) }

  /// Both tools ran every cycle they were asked for without an error (all `wanted`, or at least `minimumCycles`
  /// when the budget ended the comparison), both exited 0 at the end of their input, the path was the guest's, and
  /// the guest is alive. The ratio itself is reported, not judged: an emulated host's noise must not fail a run.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.expect(path == context.expectedSuspendPath, "path \(path), expected \(context.expectedSuspendPath)")
    let needed = cutByBudget ? Self.minimumCycles : wanted
    for (name, tool) in [("xen-resume", swift), ("C client", c)] {
      problems.expect(tool.error == nil, "\(name): \(tool.error ?? "")")
      problems.expect(
        tool.pauses.count >= needed,
        "\(name): \(tool.pauses.count) cycles, expected \(needed)\(cutByBudget ? " (the budget ended the run)" : "")")
    }
    problems.expect(swiftExit == 0, "xen-resume --paced ended \(swiftExit.map { "with exit \($0)" } ?? "killed")")
    problems.expect(cExit == 0, "xc-suspend-resume paced ended \(cExit.map { "with exit \($0)" } ?? "killed")")
    problems.alive(liveness)
    return problems.list
  }
}
