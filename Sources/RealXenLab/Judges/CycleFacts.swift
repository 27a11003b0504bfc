/// A pause distribution in microseconds: the shape of xen-resume checkpoint's and the C client's
/// `pauseMicroseconds` (xen-resume prints whole microseconds and a fractional mean, the C client one decimal).
public struct PauseSummary: Codable, Sendable, Equatable {
  /// The shortest pause.
  public var min: Double
  /// The median.
  public var p50: Double
  /// The 90th percentile.
  public var p90: Double
  /// The 99th percentile.
  public var p99: Double
  /// The longest pause.
  public var max: Double
  /// The mean.
  public var mean: Double

  /// A distribution.
  public init(min: Double, p50: Double, p90: Double, p99: Double, max: Double, mean: Double) {
    self.min = min
    self.p50 = p50
    self.p90 = p90
    self.p99 = p99
    self.max = max
    self.mean = mean
  }
}

/// What `xen-resume suspend ID --json` and `xen-resume resume ID --fast --json` print on success, as far as the cycle
/// scenarios read it (an error document decodes with every member `nil`).
public struct XenResumeStepDocument: Decodable, Sendable, Equatable {
  /// The suspend path taken (suspend only).
  public var path: String?
  /// The guest type (suspend only).
  public var guestType: String?
  /// The resume mode (resume only).
  public var mode: String?
  /// How long the call took.
  public var durationMicroseconds: Double?
  /// Each stage of it, in order.
  public var stages: [StageEntry]?

  /// A document.
  public init(
    path: String?, guestType: String?, mode: String?, durationMicroseconds: Double?, stages: [StageEntry]? = nil
  ) {
    self.path = path
    self.guestType = guestType
    self.mode = mode
    self.durationMicroseconds = durationMicroseconds
    self.stages = stages
  }
}

/// What `xen-resume checkpoint ID --json` prints on success (an error document decodes with every member `nil`).
public struct XenResumeCheckpointDocument: Decodable, Sendable, Equatable {
  /// The guest type.
  public var guestType: String?
  /// The suspend path every cycle took.
  public var path: String?
  /// The cycles run.
  public var count: Int?
  /// The cycles that succeeded.
  public var succeeded: Int?
  /// The pause distribution.
  public var pauseMicroseconds: PauseSummary?
  /// All host calls of the run divided by its cycles.
  public var hostCallsPerCycle: Double?
  /// Each cycle's pause, suspend and resume (with `--cycle-details`).
  public var cycles: [CycleTimingEntry]?

  /// A document.
  public init(
    guestType: String?, path: String?, count: Int?, succeeded: Int?, pauseMicroseconds: PauseSummary?,
    hostCallsPerCycle: Double?, cycles: [CycleTimingEntry]? = nil
  ) {
    self.cycles = cycles
    self.guestType = guestType
    self.path = path
    self.count = count
    self.succeeded = succeeded
    self.pauseMicroseconds = pauseMicroseconds
    self.hostCallsPerCycle = hostCallsPerCycle
  }
}

/// What the C reference client's `cycle ID … --samples` prints, success or not (`pauseMicroseconds` is `null` when no
/// cycle succeeded).
public struct CClientCycleDocument: Decodable, Sendable, Equatable {
  /// How the C client noticed each suspend: woken by @releaseDomain, or only by its 200 ms re-read.
  public struct SeenBy: Decodable, Sendable, Equatable {
    /// Suspends announced by @releaseDomain.
    public var releaseDomain: Int?
    /// Suspends noticed only by the poll (XS_RESUME was missing before them).
    public var poll: Int?

    /// A tally.
    public init(releaseDomain: Int?, poll: Int?) {
      self.releaseDomain = releaseDomain
      self.poll = poll
    }
  }

  /// The cycles that succeeded.
  public var succeeded: Int?
  /// The pause distribution.
  public var pauseMicroseconds: PauseSummary?
  /// How the suspends were noticed.
  public var seenBy: SeenBy?
  /// Every succeeded cycle's pause, in order (with `--samples`).
  public var samples: [Double]?
  /// What went wrong, when something did.
  public var error: String?

  /// A document.
  public init(
    succeeded: Int?, pauseMicroseconds: PauseSummary?, seenBy: SeenBy?, samples: [Double]?, error: String?
  ) {
    self.succeeded = succeeded
    self.pauseMicroseconds = pauseMicroseconds
    self.seenBy = seenBy
    self.samples = samples
    self.error = error
  }
}

/// "fast-cycles": five `xen-resume suspend` + `resume --fast` cycles, the guest alive after each.
public struct FastCyclesFacts: ScenarioFacts {
  /// Cycles begun (the one that failed counts).
  public var cycles: Int
  /// Every suspend and resume, in the order run.
  public var steps: [CommandRecord]
  /// Each successful suspend's path.
  public var paths: [String?]
  /// Each successful suspend's duration.
  public var suspendMicroseconds: [Double?]
  /// Each successful resume's duration.
  public var resumeMicroseconds: [Double?]
  /// Whether the guest was alive after each completed cycle.
  public var alive: [Bool]
  /// The last liveness check's counter.
  public var counter: String
  /// What the C client did to undo a suspension left behind, if anything.
  public var recovered: String?

  /// Facts of the fast cycles.
  public init(
    cycles: Int, steps: [CommandRecord], paths: [String?], suspendMicroseconds: [Double?],
    resumeMicroseconds: [Double?], alive: [Bool], counter: String, recovered: String?
  ) {
    self.cycles = cycles
    self.steps = steps
    self.paths = paths
    self.suspendMicroseconds = suspendMicroseconds
    self.resumeMicroseconds = resumeMicroseconds
    self.alive = alive
    self.counter = counter
    self.recovered = recovered
  }

  /// The cycles the scenario runs.
  public static let cycleCount = 5

  /// Five cycles, every step exiting 0, every suspend on the guest type's path, the guest alive after each, and each
  /// step's stages the ones its path or mode passes, adding up to its duration (`StageJudge`).
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.cliContract(steps)
    let expectedPath = context.expectedSuspendPath
    let statuses = steps.map(\.exitLabel)
    problems.expect(
      cycles == Self.cycleCount && steps.count == 2 * Self.cycleCount && steps.allSatisfy(\.succeeded),
      "exit codes [\(statuses.joined(separator: ","))] over \(cycles) cycles, expected \(Self.cycleCount) x "
        + "(suspend 0, resume 0)")
    problems.expect(
      paths == Array(repeating: expectedPath, count: Self.cycleCount),
      "paths \(LabJSON.text(paths)), expected \"\(expectedPath)\"")
    problems.expect(
      alive == Array(repeating: true, count: Self.cycleCount),
      "alive after each cycle: \(LabJSON.text(alive)) (counter \(counter))")
    // The first failing step says why the cycles stopped.
    if let failing = steps.first(where: { !$0.succeeded }) {
      problems.exit(failing, is: 0, "failing step")
    }
    for (index, step) in steps.enumerated() where step.succeeded {
      guard let document = step.decode(XenResumeStepDocument.self) else { continue }
      let cycle = index / 2 + 1
      if index % 2 == 0 {
        for problem in StageJudge.problems(
          document.stages, expected: StageJudge.suspendStages(path: document.path ?? expectedPath),
          duration: document.durationMicroseconds, "suspend \(cycle)")
        {
          problems.add(problem)
        }
      } else {
        for problem in StageJudge.problems(
          document.stages, expected: StageJudge.fastResumeStages(kind: context.kind),
          duration: document.durationMicroseconds, "resume \(cycle)")
        {
          problems.add(problem)
        }
      }
    }
    return problems.list
  }
}

/// "checkpoint": xen-resume's checkpoint blocks of the comparison (alternating with the C client's), judged alone.
public struct CheckpointFacts: ScenarioFacts {
  /// Cycles asked for over all blocks (blocks per tool x block size).
  public var requested: Int
  /// Cycles per block.
  public var blockSize: Int
  /// Cycles that succeeded over all blocks (a failing block's error document counts none).
  public var succeeded: Int
  /// Every `xen-resume checkpoint` run, in order.
  public var blocks: [CommandRecord]
  /// The block that failed (the last of `blocks`; no block runs after it).
  public var failed: CommandRecord?
  /// The guest afterwards.
  public var liveness: Liveness

  /// Facts of the checkpoint blocks.
  public init(
    requested: Int, blockSize: Int, succeeded: Int, blocks: [CommandRecord], failed: CommandRecord?,
    liveness: Liveness
  ) {
    self.requested = requested
    self.blockSize = blockSize
    self.succeeded = succeeded
    self.blocks = blocks
    self.failed = failed
    self.liveness = liveness
  }

  /// The fewest checkpoint cycles a guest may get: dom0 runs 50, fewer on PVHVM (whose suspends take seconds under
  /// emulation) and on a guest there for another kernel; a run asking for fewer than this proves too little.
  public static let minimumCycles = 10

  /// Each block's document, in order.
  public var documents: [XenResumeCheckpointDocument?] { blocks.map { $0.decode(XenResumeCheckpointDocument.self) } }

  /// One distribution from the blocks' (all of the same size): exact min, max and mean; p50 the median of the blocks'
  /// medians, p90 and p99 the largest of the blocks' (an upper bound). `nil` when no block has a distribution.
  public var mergedPause: PauseSummary? {
    // (A distribution whose longest pause is 0 measured nothing: left out, as the old Python judge's merge did.)
    let pauses = documents.compactMap { $0?.pauseMicroseconds }.filter { $0.max != 0 }
    guard !pauses.isEmpty else { return nil }
    let medians = pauses.map(\.p50).sorted()
    let middle = medians.count / 2
    let median = medians.count % 2 == 1 ? medians[middle] : (medians[middle - 1] + medians[middle]) / 2
    return PauseSummary(
      min: pauses.map(\.min).min()!, p50: median, p90: pauses.map(\.p90).max()!, p99: pauses.map(\.p99).max()!,
      max: pauses.map(\.max).max()!, mean: pauses.map(\.mean).reduce(0, +) / Double(pauses.count))
  }

  /// Enough cycles asked for, every block exiting 0, every cycle succeeded, each block of the size asked, on the guest
  /// type's path, naming its type and with a pause distribution, each cycle's suspend and resume within its pause and
  /// covering most of it (`StageJudge`); the guest alive afterwards.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    // The failing block is also the last of `blocks`: judged once.
    problems.cliContract(blocks.map(Optional.some) + [failed.flatMap { blocks.contains($0) ? nil : $0 }])
    problems.expect(
      requested >= Self.minimumCycles, "only \(requested) cycles requested (at least \(Self.minimumCycles))")
    problems.expect(
      !blocks.isEmpty && blocks.allSatisfy(\.succeeded),
      "block exit codes [\(blocks.map(\.exitLabel).joined(separator: ","))]")
    if let failed { problems.exit(failed, is: 0, "failing block") }
    let documents = documents
    let got = documents.reduce(0) { $0 + ($1?.succeeded ?? 0) }
    problems.expect(
      got == requested && succeeded == requested,
      "\(got) of \(requested) cycles succeeded" + (got != succeeded ? " (recorded: \(succeeded))" : ""))
    // A failing block prints an error document: its exit says it all, so the shape checks read the blocks that
    // succeeded.
    let finished = zip(blocks, documents).filter { $0.0.succeeded }.map { $0.1 }
    if !finished.isEmpty {
      let counts = finished.map { $0?.count }
      problems.expect(
        counts.allSatisfy { $0 == blockSize },
        "a block ran another count than asked: \(LabJSON.text(counts)), expected \(blockSize) each")
      let expectedPath = context.expectedSuspendPath
      let paths = Self.distinct(finished.map { $0?.path })
      problems.expect(
        paths == [expectedPath], "paths \(LabJSON.text(paths)), expected \"\(expectedPath)\"")
      let types = Self.distinct(finished.map { $0?.guestType })
      problems.expect(
        types == [context.kind.rawValue], "guestType \(LabJSON.text(types)), expected \"\(context.kind.rawValue)\"")
      problems.expect(finished.allSatisfy { $0?.pauseMicroseconds != nil }, "a block has no pause distribution")
      for problem in StageJudge.problems(cycles: finished.flatMap { $0?.cycles ?? [] }) { problems.add(problem) }
    }
    problems.alive(liveness)
    return problems.list
  }

  /// The distinct values, missing ones first, the rest sorted (for a stable message).
  private static func distinct(_ values: [String?]) -> [String?] {
    let present = Set(values.compactMap { $0 }).sorted()
    return (values.contains(nil) ? [nil] : []) + present.map { Optional($0) }
  }
}

/// "compare": xen-resume's checkpoint blocks alternating with the C client's cycles on the same guest, for the pause
/// ratio: both tools ran every cycle.
public struct CompareFacts: ScenarioFacts {
  /// Blocks begun per tool (the one that failed counts).
  public var blocks: Int
  /// Cycles per block.
  public var blockSize: Int
  /// xen-resume's succeeded cycles over all blocks.
  public var swiftSucceeded: Int
  /// The C client's succeeded cycles over all blocks.
  public var cSucceeded: Int
  /// Each xen-resume block's median pause (blocks without a distribution left out).
  public var swiftBlockP50: [Double]
  /// Each C block's median pause (blocks without a distribution left out).
  public var cBlockP50: [Double]
  /// Every C cycle's pause, in order.
  public var cSamples: [Double]
  /// Each xen-resume block's distribution.
  public var swiftPause: [PauseSummary]
  /// Each C block's distribution.
  public var cPause: [PauseSummary]
  /// Each xen-resume block's host calls per cycle.
  public var hostCallsPerCycle: [Double]
  /// Each C block's suspends noticed only by its poll: reported, not judged (back to back, the client may resume a
  /// suspend before xenstored announces it; the xs-resume row judges a held cycle instead).
  public var cSeenByPollPerBlock: [Int]
  /// The xen-resume block that failed, if one did.
  public var failedSwiftBlock: CommandRecord?
  /// The C block that failed, if one did.
  public var failedCBlock: CommandRecord?
  /// The guest afterwards.
  public var liveness: Liveness
  /// What the C client did to undo a suspension left behind, if anything.
  public var recovered: String?

  /// Facts of the comparison.
  public init(
    blocks: Int, blockSize: Int, swiftSucceeded: Int, cSucceeded: Int, swiftBlockP50: [Double],
    cBlockP50: [Double], cSamples: [Double], swiftPause: [PauseSummary], cPause: [PauseSummary],
    hostCallsPerCycle: [Double], cSeenByPollPerBlock: [Int], failedSwiftBlock: CommandRecord?,
    failedCBlock: CommandRecord?, liveness: Liveness, recovered: String?
  ) {
    self.blocks = blocks
    self.blockSize = blockSize
    self.swiftSucceeded = swiftSucceeded
    self.cSucceeded = cSucceeded
    self.swiftBlockP50 = swiftBlockP50
    self.cBlockP50 = cBlockP50
    self.cSamples = cSamples
    self.swiftPause = swiftPause
    self.cPause = cPause
    self.hostCallsPerCycle = hostCallsPerCycle
    self.cSeenByPollPerBlock = cSeenByPollPerBlock
    self.failedSwiftBlock = failedSwiftBlock
    self.failedCBlock = failedCBlock
    self.liveness = liveness
    self.recovered = recovered
  }

  /// At least two blocks per tool (a ratio of one block each says little), both tools ran every cycle of them, and the
  /// guest alive afterwards.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.cliContract([failedSwiftBlock, failedCBlock])
    let wanted = blocks * blockSize
    problems.expect(blocks >= 2, "\(blocks) blocks per tool, expected at least 2")
    problems.expect(swiftSucceeded == wanted, "xen-resume: \(swiftSucceeded) of \(wanted) cycles")
    problems.expect(cSucceeded == wanted, "C client: \(cSucceeded) of \(wanted) cycles")
    if let failedSwiftBlock { problems.exit(failedSwiftBlock, is: 0, "xen-resume's failing block") }
    // The C client says what went wrong in its document, not on stderr.
    if let failedCBlock, !failedCBlock.succeeded {
      let why = failedCBlock.decode(CClientCycleDocument.self)?.error ?? failedCBlock.lastErrorLine
      problems.add(
        "the C client's failing block: `\(failedCBlock.cmd)` \(failedCBlock.status), expected exit 0"
          + (why.map { ": " + $0 } ?? ""))
    }
    problems.alive(liveness)
    return problems.list
  }
}

/// "xs-resume": the guest group's xenstore-path summary. Every xen-resume suspend on the xenstore path worked, again
/// and again (C xenstored re-fires @releaseDomain only after XS_RESUME), and the C client, run right after
/// xen-resume's blocks, was always woken by @releaseDomain, never only by its poll.
public struct XSResumeFacts: ScenarioFacts {
  /// The fast cycles' suspends plus the checkpoint blocks' cycles.
  public var expectedSwiftXenstoreSuspends: Int
  /// xen-resume's successful suspends on the xenstore path, as tallied.
  public var swiftXenstoreSuspends: Int
  /// C client suspends announced by @releaseDomain.
  public var cSeenByReleaseDomain: Int
  /// C client suspends noticed only by its poll.
  public var cSeenByPoll: Int

  /// Facts of the summary.
  public init(
    expectedSwiftXenstoreSuspends: Int, swiftXenstoreSuspends: Int, cSeenByReleaseDomain: Int, cSeenByPoll: Int
  ) {
    self.expectedSwiftXenstoreSuspends = expectedSwiftXenstoreSuspends
    self.swiftXenstoreSuspends = swiftXenstoreSuspends
    self.cSeenByReleaseDomain = cSeenByReleaseDomain
    self.cSeenByPoll = cSeenByPoll
  }

  /// At least the expected suspends (and never fewer than the fast cycles and the fewest checkpoint cycles), and no C
  /// suspend left to the poll.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    let wanted = max(expectedSwiftXenstoreSuspends, FastCyclesFacts.cycleCount + CheckpointFacts.minimumCycles)
    problems.expect(
      swiftXenstoreSuspends >= wanted,
      "only \(swiftXenstoreSuspends) of \(wanted) xen-resume suspends on the xenstore path succeeded")
    problems.expect(
      cSeenByPoll == 0,
      "\(cSeenByPoll) C suspends were not announced by @releaseDomain (XS_RESUME missing before them)")
    return problems.list
  }
}

extension CommandRecord {
  /// The exit code, `timeout` or `signal`, for a list of exit codes in a message.
  fileprivate var exitLabel: String { rc.map(String.init) ?? (timedOut ? "timeout" : "signal") }
}
