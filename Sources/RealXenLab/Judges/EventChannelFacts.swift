/// path-compare: on an event channel guest, xen-resume's checkpoint blocks through the guest's suspend event channel
/// alternating with blocks forced onto the xenstore path (`--path xenstore`), on the same guest in one run, so the
/// two paths see the same load: what the channel saves.
public struct PathCompareFacts: ScenarioFacts {
  /// Blocks per path.
  public static let blockCount = 3
  /// Checkpoint cycles per block.
  public static let blockSize = 10

  /// The event channel blocks (`checkpoint ID --count N --json`), in order.
  public var channelBlocks: [CommandRecord]
  /// The xenstore blocks (`checkpoint ID --count N --path xenstore --json`), in order.
  public var xenstoreBlocks: [CommandRecord]
  /// The guest's console counter afterwards.
  public var liveness: Liveness
  /// What `recover(_:_:)` did (`nil`: nothing was left suspended).
  public var recovered: String?

  /// Facts of one path comparison.
  public init(channelBlocks: [CommandRecord], xenstoreBlocks: [CommandRecord], liveness: Liveness, recovered: String?) {
    self.channelBlocks = channelBlocks
    self.xenstoreBlocks = xenstoreBlocks
    self.liveness = liveness
    self.recovered = recovered
  }

  /// Each block's pause p50 (microseconds), for the blocks that report one.
  public var channelBlockP50: [Double] { Self.blockP50(channelBlocks) }
  /// Each xenstore block's pause p50 (microseconds).
  public var xenstoreBlockP50: [Double] { Self.blockP50(xenstoreBlocks) }

  /// The median of the event channel blocks' p50 over the xenstore blocks', `nil` without both.
  public var ratio: Double? {
    guard let channel = SampleStatistics.median(channelBlockP50),
      let xenstore = SampleStatistics.median(xenstoreBlockP50), xenstore > 0
    else { return nil }
    return channel / xenstore
  }

  /// The cycles both paths ran.
  public var cycles: Int {
    (channelBlocks + xenstoreBlocks).reduce(0) { $0 + ($1.decode(XenResumeCheckpointDocument.self)?.succeeded ?? 0) }
  }

  private static func blockP50(_ blocks: [CommandRecord]) -> [Double] {
    blocks.compactMap { $0.decode(XenResumeCheckpointDocument.self)?.pauseMicroseconds?.p50 }
  }

  /// Every block ran all its cycles on its own path (the channel's where it was not forced), and the guest runs on.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.cliContract(channelBlocks + xenstoreBlocks)
    for (blocks, path) in [(channelBlocks, "eventChannel"), (xenstoreBlocks, "xenstoreControl")] {
      problems.expect(
        blocks.count == Self.blockCount, "\(blocks.count) \(path) blocks, expected \(Self.blockCount)")
      for block in blocks {
        guard problems.exit(block, is: 0, "\(path) block") else { continue }
        let document = block.decode(XenResumeCheckpointDocument.self)
        problems.expect(
          document?.path == path, "`\(block.cmd)`: path \(document?.path ?? "none"), expected \"\(path)\"")
        problems.expect(
          document?.succeeded == Self.blockSize,
          "`\(block.cmd)`: \(document?.succeeded.map(String.init) ?? "no") cycles, expected \(Self.blockSize)")
      }
    }
    problems.alive(liveness)
    return problems.list
  }
}

/// evtchn-lock: xen-resume and libxenguest share the guest's suspend lock. While a `xen-resume checkpoint` holds it (a
/// session holds it for its life), the C client's `xc_suspend_evtchn_init_exclusive` fails; while the C client holds
/// it, xen-resume refuses to suspend and touches nothing; after each has exited the other binds and suspends normally,
/// and a `@releaseDomain`-based suspend right after xen-resume exited is announced by `@releaseDomain` (xen-resume left
/// no subscription behind).
public struct EventChannelLockFacts: ScenarioFacts {
  /// `xen-resume checkpoint ID --count N --interval 250ms --json`, run while the C client tried.
  public var swiftHolding: CommandRecord?
  /// Whether dom0 saw the lock file locked before the C client tried (the checkpoint had taken it).
  public var lockHeldBySwift: Bool
  /// `xc-suspend-resume lock ID` while xen-resume held the lock.
  public var cWhileSwiftHolds: CommandRecord?
  /// `xc-suspend-resume lock ID --hold-ms N`, holding the lock while xen-resume tried.
  public var cHolding: CommandRecord?
  /// Whether dom0 saw the lock file locked before xen-resume tried.
  public var lockHeldByC: Bool
  /// `xen-resume suspend ID --json` while the C client held the lock.
  public var swiftWhileCHolds: CommandRecord?
  /// Xen's view of the domain right after that refusal.
  public var stateWhileCHolds: DomainView?
  /// `xc-suspend-resume cycle ID --path xenstore`, right after xen-resume exited: woken by `@releaseDomain`.
  public var cXenstoreAfterSwift: CommandRecord?
  /// `xc-suspend-resume cycle ID --path evtchn --count 3` after xen-resume exited.
  public var cChannelAfterSwift: CommandRecord?
  /// `xen-resume checkpoint ID --count 3 --json` after the C client exited (and left its subscription behind).
  public var swiftAfterC: CommandRecord?
  /// The guest's console counter afterwards.
  public var liveness: Liveness
  /// What `recover(_:_:)` did (`nil`: nothing was left suspended).
  public var recovered: String?

  /// Facts of one lock run.
  public init(
    swiftHolding: CommandRecord?, lockHeldBySwift: Bool, cWhileSwiftHolds: CommandRecord?, cHolding: CommandRecord?,
    lockHeldByC: Bool, swiftWhileCHolds: CommandRecord?, stateWhileCHolds: DomainView?,
    cXenstoreAfterSwift: CommandRecord?, cChannelAfterSwift: CommandRecord?, swiftAfterC: CommandRecord?,
    liveness: Liveness, recovered: String?
  ) {
    self.swiftHolding = swiftHolding
    self.lockHeldBySwift = lockHeldBySwift
    self.cWhileSwiftHolds = cWhileSwiftHolds
    self.cHolding = cHolding
    self.lockHeldByC = lockHeldByC
    self.swiftWhileCHolds = swiftWhileCHolds
    self.stateWhileCHolds = stateWhileCHolds
    self.cXenstoreAfterSwift = cXenstoreAfterSwift
    self.cChannelAfterSwift = cChannelAfterSwift
    self.swiftAfterC = swiftAfterC
    self.liveness = liveness
    self.recovered = recovered
  }

  /// Each side is refused while the other holds the lock, and works once the other has gone.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.cliContract([swiftHolding, swiftWhileCHolds, swiftAfterC])
    problems.expect(lockHeldBySwift, "the suspend lock was never seen held while xen-resume checkpointed")
    problems.exit(cWhileSwiftHolds, is: 1, "the C client's lock while xen-resume held it")
    problems.exit(swiftHolding, is: 0, "xen-resume's checkpoint while the C client tried")
    problems.expect(lockHeldByC, "the suspend lock was never seen held while the C client held it")
    if problems.exit(cHolding, is: 0, "the C client's lock") {
      problems.expect(
        cHolding?.document?["ok"]?.bool == true, "the C client's lock: \(cHolding?.stdout.prefix(200) ?? "")")
    }
    if let refused = swiftWhileCHolds,
      problems.expect(refused.rc != 0, "xen-resume suspended while the C client held the lock")
    {
      problems.errorKind(refused, is: "alreadyInProgress", "xen-resume's suspend while the C client held the lock")
    }
    problems.xen(stateWhileCHolds, is: "running", "after the refused suspend")
    if problems.exit(cXenstoreAfterSwift, is: 0, "the C client's xenstore suspend after xen-resume") {
      let seenBy = cXenstoreAfterSwift?.decode(CClientCycleDocument.self)?.seenBy
      problems.expect(
        seenBy?.releaseDomain == 1,
        "the C client's xenstore suspend after xen-resume was not announced by @releaseDomain "
          + "(seenBy \(LabJSON.text(seenBy?.releaseDomain)) / poll \(LabJSON.text(seenBy?.poll))): "
          + "a subscription was left behind")
    }
    if problems.exit(cChannelAfterSwift, is: 0, "the C client's event channel cycles after xen-resume") {
      let succeeded = cChannelAfterSwift?.decode(CClientCycleDocument.self)?.succeeded
      problems.expect(succeeded == 3, "the C client's event channel cycles: \(LabJSON.text(succeeded)) of 3")
    }
    if problems.exit(swiftAfterC, is: 0, "xen-resume's checkpoint after the C client") {
      let document = swiftAfterC?.decode(XenResumeCheckpointDocument.self)
      problems.expect(
        document?.path == "eventChannel" && document?.succeeded == 3,
        "xen-resume's checkpoint after the C client: path \(document?.path ?? "none"), "
          + "\(LabJSON.text(document?.succeeded)) of 3 cycles")
    }
    problems.alive(liveness)
    return problems.list
  }
}

/// evtchn-silent: the guest's module advertises its port but ignores events (dom0 writes `ignore` to
/// `data/rx-suspend-evtchn`): the suspend times out with the documented error and the guest keeps running, and once
/// the module answers again the next checkpoint works.
public struct EventChannelSilentFacts: ScenarioFacts {
  /// The suspend's timeout.
  public static let timeoutSeconds = 5

  /// `xenstore-write .../data/rx-suspend-evtchn ignore`.
  public var ignore: CommandRecord
  /// `xen-resume suspend ID --timeout 5s --json`.
  public var suspend: CommandRecord?
  /// Xen's view of the domain after the timeout (and a moment for a late suspend to show).
  public var stateAfter: DomainView?
  /// The guest's console counter after the timeout.
  public var liveness: Liveness
  /// `xenstore-write .../data/rx-suspend-evtchn answer`.
  public var answer: CommandRecord?
  /// `xen-resume checkpoint ID --count 2 --json` once the module answers again.
  public var checkpointAfter: CommandRecord?
  /// What `recover(_:_:)` did (`nil`: nothing was left suspended).
  public var recovered: String?

  /// Facts of one silent-guest run.
  public init(
    ignore: CommandRecord, suspend: CommandRecord?, stateAfter: DomainView?, liveness: Liveness,
    answer: CommandRecord?, checkpointAfter: CommandRecord?, recovered: String?
  ) {
    self.ignore = ignore
    self.suspend = suspend
    self.stateAfter = stateAfter
    self.liveness = liveness
    self.answer = answer
    self.checkpointAfter = checkpointAfter
    self.recovered = recovered
  }

  /// The suspend timed out (`timeout`), the domain runs and is alive, and the next checkpoint goes through the
  /// channel.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.cliContract([suspend, checkpointAfter])
    guard problems.exit(ignore, is: 0, "xenstore-write ignore") else { return problems.list }
    if let suspend, problems.expect(suspend.rc != 0, "the suspend of a silent guest succeeded") {
      problems.errorKind(suspend, is: "timeout", "the suspend of a silent guest")
    }
    problems.xen(stateAfter, is: "running", "after the timeout")
    problems.alive(liveness, "the silent guest")
    problems.exit(answer, is: 0, "xenstore-write answer")
    if problems.exit(checkpointAfter, is: 0, "the checkpoint once the guest answers again") {
      let document = checkpointAfter?.decode(XenResumeCheckpointDocument.self)
      problems.expect(
        document?.path == "eventChannel" && document?.succeeded == 2,
        "the checkpoint once the guest answers again: path \(document?.path ?? "none"), "
          + "\(LabJSON.text(document?.succeeded)) of 2 cycles")
    }
    problems.expect(recovered == nil, "a suspension was left behind: \(recovered ?? "")")
    return problems.list
  }
}

/// evtchn-crash: the guest's module panics on the event instead of suspending (dom0 writes `crash`): Xen raises
/// `VIRQ_DOM_EXC` for a crash even while the port is subscribed, so xen-resume reports it at once, not at its
/// timeout. It kills the guest, so it runs last.
public struct EventChannelCrashFacts: ScenarioFacts {
  /// The suspend's timeout: the report must come well before it.
  public static let timeoutSeconds = 120

  /// `xenstore-write .../data/rx-suspend-evtchn crash`.
  public var crash: CommandRecord
  /// `xen-resume suspend ID --timeout 120s --json`.
  public var suspend: CommandRecord?
  /// Xen's view of the domain afterwards.
  public var stateAfter: DomainView?

  /// Facts of one crashing-guest run.
  public init(crash: CommandRecord, suspend: CommandRecord?, stateAfter: DomainView?) {
    self.crash = crash
    self.suspend = suspend
    self.stateAfter = stateAfter
  }

  /// The suspend failed with `shutdownForOtherReason` within half its timeout, and Xen reports the domain crashed.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.cliContract([suspend])
    guard problems.exit(crash, is: 0, "xenstore-write crash") else { return problems.list }
    if let suspend, problems.expect(suspend.rc != 0, "the suspend of a crashing guest succeeded") {
      problems.errorKind(suspend, is: "shutdownForOtherReason", "the suspend of a crashing guest")
      problems.expect(
        suspend.ms < Self.timeoutSeconds * 1000 / 2,
        "the crash was reported after \(suspend.ms) ms, not at once (timeout \(Self.timeoutSeconds) s)")
    }
    problems.xen(stateAfter, is: "shutdown", reason: 3, "after the crash")
    return problems.list
  }
}
