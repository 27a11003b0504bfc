import RealXenLab

extension Dom0Lab {
  /// fast-cycles: five `xen-resume suspend` + `resume --fast` cycles, the guest alive after each. The first failing
  /// step or dead guest ends them; a suspension left behind is undone with the C client's fast resume.
  public func fastCycles(_ guest: GuestRun) async {
    var cycles = 0
    var steps: [CommandRecord] = []
    var paths: [String?] = []
    var suspendMicroseconds: [Double?] = []
    var resumeMicroseconds: [Double?] = []
    var alive: [Bool] = []
    var counter = "not read"
    let onXenstore = guest.guest.expectedSuspendPath == "xenstoreControl"
    while cycles < FastCyclesFacts.cycleCount {
      cycles += 1
      if onXenstore { tally(guest.guest) { $0.swiftXenstoreSuspendsAsked += 1 } }
      let suspend = await tools.xenResume(["suspend", guest.id, "--json"])
      steps.append(suspend)
      guard suspend.succeeded else { break }
      let suspended = suspend.decode(XenResumeStepDocument.self)
      paths.append(suspended?.path)
      suspendMicroseconds.append(suspended?.durationMicroseconds)
      // Only xenstore-path suspends say something about XS_RESUME (pure HVM suspends through xc_domain_shutdown).
      if onXenstore { tally(guest.guest) { $0.swiftXenstoreSuspends += 1 } }
      let resume = await tools.xenResume(["resume", guest.id, "--fast", "--json"])
      steps.append(resume)
      guard resume.succeeded else { break }
      resumeMicroseconds.append(resume.decode(XenResumeStepDocument.self)?.durationMicroseconds)
      tally(guest.guest) { $0.cycles += 1 }
      let liveness = await GuestConsole.alive(guest.guest)
      alive.append(liveness.alive)
      counter = liveness.counter
      guard liveness.alive else { break }
    }
    let recovered = await recover(guest, .fast)
    record(
      "fast-cycles", guest: guest.guest,
      FastCyclesFacts(
        cycles: cycles, steps: steps, paths: paths, suspendMicroseconds: suspendMicroseconds,
        resumeMicroseconds: resumeMicroseconds, alive: alive, counter: counter, recovered: recovered))
  }

  /// checkpoint and compare: xen-resume's checkpoint blocks alternating with the C client's cycles on the same guest
  /// (the same load for both, so the pause ratio is fair), `checkpointBlocks(for:)` blocks per tool. The first failing
  /// block ends them. Records "checkpoint" (xen-resume's blocks) and then "compare" (both tools'); a suspension left
  /// behind is undone with the C client's fast resume between the two.
  public func compare(_ guest: GuestRun) async {
    let (blockCount, size) = checkpointBlocks(for: guest.guest)
    // The same path for both tools: a pure HVM guest only suspends through xc_domain_shutdown.
    let cPath = guest.guest.cClientPath
    let onXenstore = guest.guest.expectedSuspendPath == "xenstoreControl"
    if onXenstore { tally(guest.guest) { $0.swiftXenstoreSuspendsAsked += blockCount * size } }
    var blocks = 0
    var swiftBlocks: [CommandRecord] = []
    var swiftSucceeded = 0
    var cSucceeded = 0
    var swiftBlockP50: [Double] = []
    var cBlockP50: [Double] = []
    var cSamples: [Double] = []
    var swiftPause: [PauseSummary] = []
    var cPause: [PauseSummary] = []
    var hostCallsPerCycle: [Double] = []
    var cSeenByPollPerBlock: [Int] = []
    var failedSwiftBlock: CommandRecord?
    var failedCBlock: CommandRecord?
    while blocks < blockCount {
      blocks += 1
      let swift = await tools.xenResume(
        ["checkpoint", guest.id, "--count", String(size), "--interval", "25ms", "--cycle-details", "--json"],
        limit: 600)
      swiftBlocks.append(swift)
      let checkpoint = swift.decode(XenResumeCheckpointDocument.self)
      if let pause = checkpoint?.pauseMicroseconds {
        swiftPause.append(pause)
        swiftBlockP50.append(pause.p50)
      }
      if let calls = checkpoint?.hostCallsPerCycle { hostCallsPerCycle.append(calls) }
      // A failing block prints an error document, which counts no cycles (as the shell's reading did).
      let swiftCycles = checkpoint?.succeeded ?? 0
      swiftSucceeded += swiftCycles
      tally(guest.guest) { tally in
        tally.cycles += swiftCycles
        if onXenstore { tally.swiftXenstoreSuspends += swiftCycles }
      }
      guard swift.succeeded else {
        failedSwiftBlock = swift
        break
      }
      if blocks == 1 {
        // Right after xen-resume's first block, the C client's held cycle says whether xen-resume left XS_RESUME
        // done (the xs-resume row). The blocks' own cycles cannot: back to back, the client may resume a suspend
        // before xenstored has handled its VIRQ_DOM_EXC, which xenstored then never announces (`cReleaseDomainProbe`).
        let probe = await tools.cReleaseDomainProbe(guest.id, path: cPath)
        let seenBy = probe.decode(CClientCycleDocument.self)?.seenBy
        tally(guest.guest) { tally in
          tally.cycles += probe.decode(CClientCycleDocument.self)?.succeeded ?? 0
          tally.cSeenByReleaseDomain += seenBy?.releaseDomain ?? 0
          tally.cSeenByPoll += seenBy?.poll ?? 0
        }
      }
      let c = await tools.cClient(
        ["cycle", guest.id, "--count", String(size), "--interval-ms", "25", "--path", cPath, "--samples"],
        limit: 600)
      let cycle = c.decode(CClientCycleDocument.self)
      if let pause = cycle?.pauseMicroseconds {
        cPause.append(pause)
        cBlockP50.append(pause.p50)
      }
      cSamples += cycle?.samples ?? []
      let cCycles = cycle?.succeeded ?? 0
      cSucceeded += cCycles
      if let poll = cycle?.seenBy?.poll { cSeenByPollPerBlock.append(poll) }
      tally(guest.guest) { $0.cycles += cCycles }
      guard c.succeeded else {
        failedCBlock = c
        break
      }
    }
    let liveness = await GuestConsole.alive(guest.guest)
    record(
      "checkpoint", guest: guest.guest,
      CheckpointFacts(
        requested: blockCount * size, blockSize: size, succeeded: swiftSucceeded, blocks: swiftBlocks,
        failed: failedSwiftBlock, liveness: liveness))
    let recovered = await recover(guest, .fast)
    record(
      "compare", guest: guest.guest,
      CompareFacts(
        blocks: blocks, blockSize: size, swiftSucceeded: swiftSucceeded, cSucceeded: cSucceeded,
        swiftBlockP50: swiftBlockP50, cBlockP50: cBlockP50, cSamples: cSamples, swiftPause: swiftPause,
        cPause: cPause, hostCallsPerCycle: hostCallsPerCycle, cSeenByPollPerBlock: cSeenByPollPerBlock,
        failedSwiftBlock: failedSwiftBlock, failedCBlock: failedCBlock, liveness: liveness, recovered: recovered))
  }

  /// xs-resume: the group's xenstore-path summary from the guest's tally, against the xenstore-path suspends its
  /// scenarios asked of xen-resume (the fast cycles', the comparisons', the loops').
  public func xsResume(_ guest: GuestRun) async {
    let counted = tally(of: guest.guest)
    record(
      "xs-resume", guest: guest.guest,
      XSResumeFacts(
        expectedSwiftXenstoreSuspends: counted.swiftXenstoreSuspendsAsked,
        swiftXenstoreSuspends: counted.swiftXenstoreSuspends, cSeenByReleaseDomain: counted.cSeenByReleaseDomain,
        cSeenByPoll: counted.cSeenByPoll))
  }
}
