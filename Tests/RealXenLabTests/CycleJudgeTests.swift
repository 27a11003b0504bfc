import RealXenLab
import Testing

/// The cycle scenarios' judge ("fast-cycles", "checkpoint", "compare", "xs-resume") over facts shaped as dom0 records
/// them: the commands' stdout as xen-resume's `--json` and the C client print it.
@Suite struct CycleJudgeTests {
  // MARK: fast-cycles

  @Test func fiveGoodFastCyclesPass() {
    #expect(fastCycles(.pv).problems(in: context(.pv)) == [])
    #expect(fastCycles(.hvm).problems(in: context(.hvm)) == [])
  }

  @Test func aFailedResumeStopsTheCyclesAndIsNamed() {
    var facts = fastCycles(.pv, cycles: 2)
    facts.cycles = 3
    facts.steps += [suspend(.pv), notSuspendedResume]
    facts.paths.append("xenstoreControl")
    facts.suspendMicroseconds.append(1800)
    let problems = facts.problems(in: context(.pv))
    #expect(problems.contains("exit codes [0,0,0,0,0,1] over 3 cycles, expected 5 x (suspend 0, resume 0)"))
    #expect(problems.contains { $0.hasPrefix("paths [") })
    #expect(problems.contains("alive after each cycle: [true,true] (counter 12->13)"))
    #expect(
      problems.contains(
        "failing step: `xen-resume resume 3 --fast --json` exit 1, expected exit 0: xen-resume: error: domain 3 is "
          + "not suspended"))
    #expect(problems.count == 4, "\(problems)")
  }

  @Test func aSuspendKilledAtTheTimeLimitIsNamed() {
    var facts = fastCycles(.pv, cycles: 1)
    facts.cycles = 2
    facts.steps.append(
      CommandRecord(
        cmd: "xen-resume suspend 3 --json", tool: .xenResume, rc: nil, timedOut: true, stdout: "", stderr: "",
        ms: 120_000))
    let problems = facts.problems(in: context(.pv))
    #expect(problems.contains("exit codes [0,0,timeout] over 2 cycles, expected 5 x (suspend 0, resume 0)"))
    #expect(
      problems.contains("failing step: `xen-resume suspend 3 --json` killed at dom0's time limit, expected exit 0"))
  }

  @Test func aFastCycleOnAnotherPathIsAProblem() {
    var facts = fastCycles(.pv)
    facts.paths[4] = "hypervisorShutdown"
    #expect(
      facts.problems(in: context(.pv)) == [
        #"paths ["xenstoreControl","xenstoreControl","xenstoreControl","xenstoreControl","hypervisorShutdown"], "#
          + #"expected "xenstoreControl""#
      ])
  }

  @Test func aGuestDeadAfterACycleIsAProblem() {
    var facts = fastCycles(.pvh, cycles: 2)
    facts.alive[1] = false
    facts.counter = "20->20 (no progress in 15s)"
    let problems = facts.problems(in: context(.pvh))
    #expect(problems.contains("alive after each cycle: [true,false] (counter 20->20 (no progress in 15s))"))
    #expect(problems.contains("exit codes [0,0,0,0] over 2 cycles, expected 5 x (suspend 0, resume 0)"))
  }

  @Test func fastCyclesHoldXenResumeToItsContract() {
    var facts = fastCycles(.pv)
    facts.steps[0].stdout = "suspended"
    facts.steps[1].stdout = facts.steps[1].stdout.replacingFirst(#""backend":"xen""#, with: #""backend":"simulator""#)
    #expect(
      facts.problems(in: context(.pv)) == [
        "`xen-resume suspend 3 --json`: stdout is not one JSON document: suspended",
        "`xen-resume resume 3 --fast --json`: backend simulator, expected \"xen\"",
      ])
  }

  @Test func stagesOutOfOrderOrNotAddingUpAreProblems() {
    var facts = fastCycles(.pv)
    facts.steps[0] = suspend(
      .pv, stages: [("planned", 12), ("acknowledged", 1500), ("requestWritten", 8.25), ("suspended", 314)])
    facts.steps[3] = resume(.pv, stages: [("stateChecked", 10.5), ("domainResumed", 150), ("xenstoreResumed", 52)])
    facts.steps[5] = resume(.pv, stages: [("stateChecked", 10.5), ("returnRegisterSet", 100), ("domainResumed", 150)])
    facts.steps[6].stdout = facts.steps[6].stdout.replacingFirst(#","stages":["#, with: #","nostages":["#)
    #expect(
      facts.problems(in: context(.pv)) == [
        #"suspend 1: stages ["planned", "acknowledged", "requestWritten", "suspended"], expected ["planned", "#
          + #""requestWritten", "acknowledged", "suspended"]"#,
        #"resume 2: stages ["stateChecked", "domainResumed", "xenstoreResumed"], expected ["stateChecked", "#
          + #""returnRegisterSet", "domainResumed", "xenstoreResumed"]"#,
        "resume 2: stages add up to 212.5 µs, the duration is 312.5 µs",
        #"resume 3: stages ["stateChecked", "returnRegisterSet", "domainResumed"], expected ["stateChecked", "#
          + #""returnRegisterSet", "domainResumed", "xenstoreResumed"]"#,
        "resume 3: stages add up to 260.5 µs, the duration is 312.5 µs",
        "suspend 4: no stages",
      ])
  }

  @Test func aPureHVMGuestsFastResumeWritesNoRegister() {
    var facts = fastCycles(.hvm)
    facts.steps[1] = resume(.hvm, stages: resumeStages(.pv))
    #expect(
      facts.problems(in: context(.hvm)) == [
        #"resume 1: stages ["stateChecked", "returnRegisterSet", "domainResumed", "xenstoreResumed"], expected "#
          + #"["stateChecked", "domainResumed", "xenstoreResumed"]"#
      ])
  }

  @Test func aFailureWithoutItsErrorLineBreaksTheContract() {
    var facts = fastCycles(.pv, cycles: 0)
    facts.cycles = 1
    var failed = notSuspendedResume
    failed.cmd = "xen-resume suspend 3 --json"
    failed.stderr = "something else\n"
    facts.steps = [failed]
    #expect(
      facts.problems(in: context(.pv)).contains(
        "`xen-resume suspend 3 --json`: exit 1 without a `xen-resume: error:` line on stderr"))
  }

  // MARK: checkpoint

  @Test func checkpointBlocksThatAllSucceededPass() {
    #expect(checkpoint(.pv).problems(in: context(.pv)) == [])
    #expect(checkpoint(.hvm).problems(in: context(.hvm)) == [])
    #expect(checkpoint(.pvhvm, blocks: 2, size: 5).problems(in: context(.pvhvm)) == [])
  }

  @Test func tooFewCheckpointCyclesAreAProblem() {
    let facts = checkpoint(.pvhvm, blocks: 1, size: 5)
    #expect(facts.problems(in: context(.pvhvm)) == ["only 5 cycles requested (at least 10)"])
  }

  @Test func aFailingCheckpointBlockIsNamed() {
    var facts = checkpoint(.pv, blocks: 2)
    let failed = CommandRecord(
      cmd: "xen-resume checkpoint 3 --count 10 --interval 25ms --json", tool: .xenResume, rc: 75, timedOut: false,
      stdout: #"{"error":{"kind":"timeout","message":"cycle 4 of 10 failed: domain 3 did not suspend within 60s"}}"#,
      stderr: "xen-resume: error: cycle 4 of 10 failed: domain 3 did not suspend within 60s\n", ms: 61_000)
    facts.blocks.append(failed)
    facts.failed = failed
    facts.requested = 50
    let problems = facts.problems(in: context(.pv))
    #expect(
      problems == [
        "block exit codes [0,0,75]",
        "failing block: `xen-resume checkpoint 3 --count 10 --interval 25ms --json` exit 75, expected exit 0: "
          + "xen-resume: error: cycle 4 of 10 failed: domain 3 did not suspend within 60s",
        "20 of 50 cycles succeeded",
      ])
  }

  @Test func aFailingBlockThatBreaksTheContractIsNamedOnce() {
    var facts = checkpoint(.pv, blocks: 1)
    let failed = CommandRecord(
      cmd: "xen-resume checkpoint 3 --count 10 --interval 25ms --json", tool: .xenResume, rc: 76, timedOut: false,
      stdout: "", stderr: "Illegal instruction\n", ms: 10)
    facts.blocks.append(failed)
    facts.failed = failed
    facts.requested = 20
    let contract = facts.problems(in: context(.pv)).filter { $0.contains("stdout is not one JSON document") }
    #expect(
      contract == ["`xen-resume checkpoint 3 --count 10 --interval 25ms --json`: stdout is not one JSON document: "])
  }

  @Test func noCheckpointBlockAtAllIsAProblem() {
    var facts = checkpoint(.pv)
    facts.blocks = []
    facts.succeeded = 0
    #expect(facts.problems(in: context(.pv)) == ["block exit codes []", "0 of 50 cycles succeeded"])
  }

  @Test func aRecordedTotalThatDisagreesWithTheBlocksIsAProblem() {
    var facts = checkpoint(.pv)
    facts.succeeded = 40
    #expect(facts.problems(in: context(.pv)) == ["50 of 50 cycles succeeded (recorded: 40)"])
  }

  @Test func aBlockOfAnotherCountIsAProblem() {
    var facts = checkpoint(.pv, blocks: 2)
    facts.blocks[1] = checkpointBlock(.pv, count: 9)
    facts.requested = 20
    facts.succeeded = 19
    #expect(
      facts.problems(in: context(.pv)) == [
        "19 of 20 cycles succeeded", "a block ran another count than asked: [10,9], expected 10 each",
      ])
  }

  @Test func checkpointsOnAnotherPathOrTypeAreProblems() {
    var facts = checkpoint(.pv, blocks: 2)
    facts.requested = 20
    facts.succeeded = 20
    facts.blocks[1] = checkpointBlock(.pvh, path: "eventChannel")
    #expect(
      facts.problems(in: context(.pv)) == [
        #"paths ["eventChannel","xenstoreControl"], expected "xenstoreControl""#,
        #"guestType ["pv","pvh"], expected "pv""#,
      ])
  }

  @Test func aBlockWithoutAPauseDistributionIsAProblem() {
    var facts = checkpoint(.pv)
    facts.blocks[2].stdout =
      #"{"backend":"xen","count":10,"domain":3,"guestType":"pv","hostCalls":{},"hostCallsPerCycle":9.1,"#
      + #""path":"xenstoreControl","succeeded":10}"#
    #expect(facts.problems(in: context(.pv)) == ["a block has no pause distribution"])
  }

  @Test func aGuestDeadAfterTheCheckpointsIsAProblem() {
    var facts = checkpoint(.pv)
    facts.liveness = Liveness(alive: false, counter: "40->40 (no progress in 15s)")
    #expect(
      facts.problems(in: context(.pv)) == ["guest not alive afterwards (console counter 40->40 (no progress in 15s))"])
  }

  @Test func checkpointBlocksHoldXenResumeToItsContract() {
    var facts = checkpoint(.pv)
    facts.blocks[0].stdout = facts.blocks[0].stdout.replacingFirst(#""backend":"xen""#, with: #""backend":"sim""#)
    #expect(
      facts.problems(in: context(.pv)) == [
        "`xen-resume checkpoint 3 --count 10 --interval 25ms --cycle-details --json`: backend sim, expected \"xen\""
      ])
  }

  @Test func aCycleWhoseSuspendAndResumeExceedItsPauseIsAProblem() {
    var facts = checkpoint(.pv, blocks: 1)
    facts.blocks[0] = checkpointBlock(.pv, cycle: (pause: 1400, suspend: 1100, resume: 300.5))
    let problems = facts.problems(in: context(.pv))
    #expect(problems.count == 10, "\(problems)")
    #expect(problems.first == "cycle 1: suspend 1100.0 µs + resume 300.5 µs exceed the pause around them, 1400.0 µs")
  }

  @Test func stagesCoveringTooLittleOfTheMedianPauseAreAProblem() {
    var facts = checkpoint(.pv, blocks: 1)
    facts.blocks[0] = checkpointBlock(.pv, cycle: (pause: 2000, suspend: 1000, resume: 200))
    #expect(
      facts.problems(in: context(.pv)) == [
        "in the median cycle the suspend and resume cover 60 % of the pause (at least 80 %)"
      ])
  }

  @Test func theMergedPauseIsTheBlocksCombined() {
    var facts = checkpoint(.pv, blocks: 0)
    #expect(facts.mergedPause == nil)
    facts.blocks = [
      checkpointBlock(.pv, pause: PauseSummary(min: 1200, p50: 1400, p90: 1900, p99: 2500, max: 2500, mean: 1500)),
      checkpointBlock(.pv, pause: PauseSummary(min: 1100, p50: 1500, p90: 2100, p99: 2300, max: 2300, mean: 1600)),
      checkpointBlock(.pv, pause: PauseSummary(min: 1300, p50: 1700, p90: 1800, p99: 2900, max: 2900, mean: 1700)),
      checkpointBlock(.pv, pause: PauseSummary(min: 1250, p50: 1600, p90: 2000, p99: 2200, max: 2200, mean: 1800)),
      // A failing block has no distribution and is left out.
      CommandRecord(
        cmd: "xen-resume checkpoint 3 --count 10 --interval 25ms --json", tool: .xenResume, rc: 76, timedOut: false,
        stdout: #"{"error":{"kind":"xenCall","message":"cycle 1 of 10 failed: xc_domain_resume: EINVAL"}}"#,
        stderr: "xen-resume: error: cycle 1 of 10 failed: xc_domain_resume: EINVAL\n", ms: 30),
    ]
    #expect(facts.mergedPause == PauseSummary(min: 1100, p50: 1550, p90: 2100, p99: 2900, max: 2900, mean: 1650))
    facts.blocks.removeLast(2)
    #expect(facts.mergedPause?.p50 == 1500)
  }

  @Test func theMergedPauseIsComputedNotRecorded() {
    let text = LabJSON.text(checkpoint(.pv))
    #expect(!text.contains("mergedPause"))
    let back = LabJSON.decode(CheckpointFacts.self, from: text)
    #expect(back?.mergedPause == checkpoint(.pv).mergedPause)
    #expect(back?.mergedPause != nil)
  }

  // MARK: compare

  @Test func bothToolsRunningEveryCyclePass() {
    #expect(compare().problems(in: context(.pv)) == [])
  }

  @Test func oneBlockPerToolIsTooFew() {
    var facts = compare()
    facts.blocks = 1
    facts.swiftSucceeded = 10
    facts.cSucceeded = 10
    #expect(facts.problems(in: context(.pv)) == ["1 blocks per tool, expected at least 2"])
  }

  @Test func aFailingCBlockIsNamed() {
    var facts = compare()
    facts.cSucceeded = 43
    facts.failedCBlock = CommandRecord(
      cmd: "/usr/bin/xc-suspend-resume cycle 3 --count 10 --interval-ms 25 --path xenstore --samples", tool: .cClient,
      rc: 1, timedOut: false,
      stdout: cCycleStdout(succeeded: 3, error: #""cycle 4: guest did not suspend within 60000 ms""#), stderr: "",
      ms: 60_500)
    #expect(
      facts.problems(in: context(.pv)) == [
        "C client: 43 of 50 cycles",
        "the C client's failing block: `/usr/bin/xc-suspend-resume cycle 3 --count 10 --interval-ms 25 --path "
          + "xenstore --samples` exit 1, expected exit 0: cycle 4: guest did not suspend within 60000 ms",
      ])
  }

  @Test func aFailingXenResumeBlockIsNamed() {
    var facts = compare()
    facts.blocks = 3
    facts.swiftSucceeded = 20
    facts.cSucceeded = 20
    facts.failedSwiftBlock = CommandRecord(
      cmd: "/usr/bin/xen-resume checkpoint 3 --count 10 --interval 25ms --json", tool: .xenResume, rc: 1,
      timedOut: false,
      stdout: #"{"error":{"kind":"shutdownForOtherReason","message":"cycle 2 of 10 failed: domain 3 crashed"}}"#,
      stderr: "xen-resume: error: cycle 2 of 10 failed: domain 3 crashed\n", ms: 900)
    #expect(
      facts.problems(in: context(.pv)) == [
        "xen-resume: 20 of 30 cycles", "C client: 20 of 30 cycles",
        "xen-resume's failing block: `/usr/bin/xen-resume checkpoint 3 --count 10 --interval 25ms --json` exit 1, "
          + "expected exit 0: xen-resume: error: cycle 2 of 10 failed: domain 3 crashed",
      ])
  }

  @Test func aFailingXenResumeBlockWithoutItsErrorDocumentBreaksTheContract() {
    var facts = compare()
    facts.swiftSucceeded = 40
    facts.failedSwiftBlock = CommandRecord(
      cmd: "/usr/bin/xen-resume checkpoint 3 --count 10 --interval 25ms --json", tool: .xenResume, rc: 1,
      timedOut: false, stdout: "", stderr: "Segmentation fault\n", ms: 900)
    #expect(
      facts.problems(in: context(.pv)).first
        == "`/usr/bin/xen-resume checkpoint 3 --count 10 --interval 25ms --json`: stdout is not one JSON document: ")
  }

  @Test func aGuestDeadAfterTheComparisonIsAProblem() {
    var facts = compare()
    facts.liveness = Liveness(alive: false, counter: "80->80 (no progress in 40s)")
    #expect(
      facts.problems(in: context(.hvm)) == ["guest not alive afterwards (console counter 80->80 (no progress in 40s))"])
  }

  @Test func compareFactsKeepTheirPinnedNames() throws {
    let text = LabJSON.text(compare())
    for key in [
      "blocks", "blockSize", "swiftSucceeded", "cSucceeded", "swiftBlockP50", "cBlockP50", "cSamples", "swiftPause",
      "cPause", "hostCallsPerCycle", "cSeenByPollPerBlock", "liveness",
    ] {
      #expect(text.contains("\"\(key)\":"), "\(key)")
    }
    #expect(LabJSON.decode(CompareFacts.self, from: text)?.cPause == compare().cPause)
  }

  // MARK: xs-resume

  @Test func everyXenstoreSuspendAndNoPolledCSuspendPass() {
    let facts = XSResumeFacts(
      expectedSwiftXenstoreSuspends: 55, swiftXenstoreSuspends: 55, cSeenByReleaseDomain: 50, cSeenByPoll: 0)
    #expect(facts.problems(in: context(.pv)) == [])
  }

  @Test func missingXenstoreSuspendsAreAProblem() {
    let facts = XSResumeFacts(
      expectedSwiftXenstoreSuspends: 55, swiftXenstoreSuspends: 54, cSeenByReleaseDomain: 50, cSeenByPoll: 0)
    #expect(
      facts.problems(in: context(.pv)) == ["only 54 of 55 xen-resume suspends on the xenstore path succeeded"])
  }

  @Test func fewerThanTheFastCyclesAndTheFewestCheckpointsNeverSuffice() {
    let facts = XSResumeFacts(
      expectedSwiftXenstoreSuspends: 10, swiftXenstoreSuspends: 10, cSeenByReleaseDomain: 5, cSeenByPoll: 0)
    #expect(
      facts.problems(in: context(.pvhvm)) == ["only 10 of 15 xen-resume suspends on the xenstore path succeeded"])
  }

  @Test func aCSuspendNoticedOnlyByThePollIsAProblem() {
    let facts = XSResumeFacts(
      expectedSwiftXenstoreSuspends: 55, swiftXenstoreSuspends: 55, cSeenByReleaseDomain: 48, cSeenByPoll: 2)
    #expect(
      facts.problems(in: context(.pv)) == [
        "2 C suspends were not announced by @releaseDomain (XS_RESUME missing before them)"
      ])
  }

  // MARK: fixtures

  private func context(_ kind: GuestKind) -> JudgeContext {
    let lab = LabJSON.decode(
      Lab.self,
      from: #"{"xen":"4.20","suite":"trixie","kernel":"6.12","guests":[]}"#)!
    return JudgeContext(lab: lab, guest: LabGuest(name: kind.rawValue, type: kind, kernel: "6.12", role: .main))
  }

  /// Stages as xen-resume prints them (keys sorted).
  private func stagesJSON(_ stages: [(String, Double)]) -> String {
    "[" + stages.map { #"{"microseconds":\#($0.1),"stage":"\#($0.0)"}"# }.joined(separator: ",") + "]"
  }

  /// A suspend's stages on the guest type's path, adding up to 1834.25 µs.
  private func suspendStages(_ kind: GuestKind) -> [(String, Double)] {
    kind.expectedSuspendPath == "xenstoreControl"
      ? [("planned", 12), ("requestWritten", 8.25), ("acknowledged", 1500), ("suspended", 314)]
      : [("planned", 12), ("requestSent", 22.25), ("suspended", 1800)]
  }

  /// A fast resume's stages for the guest type, adding up to 312.5 µs.
  private func resumeStages(_ kind: GuestKind) -> [(String, Double)] {
    kind.isPVAware
      ? [("stateChecked", 10.5), ("returnRegisterSet", 100), ("domainResumed", 150), ("xenstoreResumed", 52)]
      : [("stateChecked", 10.5), ("domainResumed", 250), ("xenstoreResumed", 52)]
  }

  private func suspend(_ kind: GuestKind, stages: [(String, Double)]? = nil) -> CommandRecord {
    CommandRecord(
      cmd: "xen-resume suspend 3 --json", tool: .xenResume, rc: 0, timedOut: false,
      stdout: #"{"backend":"xen","domain":3,"durationMicroseconds":1834.25,"guestType":""#
        + kind.rawValue + #"","path":""# + kind.expectedSuspendPath + #"","stages":"#
        + stagesJSON(stages ?? suspendStages(kind)) + "}",
      stderr: "", ms: 40)
  }

  private func resume(_ kind: GuestKind, stages: [(String, Double)]? = nil) -> CommandRecord {
    CommandRecord(
      cmd: "xen-resume resume 3 --fast --json", tool: .xenResume, rc: 0, timedOut: false,
      stdout: #"{"backend":"xen","domain":3,"durationMicroseconds":312.5,"mode":"fast","stages":"#
        + stagesJSON(stages ?? resumeStages(kind)) + "}",
      stderr: "", ms: 30)
  }

  private var notSuspendedResume: CommandRecord {
    CommandRecord(
      cmd: "xen-resume resume 3 --fast --json", tool: .xenResume, rc: 1, timedOut: false,
      stdout: #"{"error":{"kind":"notSuspended","message":"domain 3 is not suspended"}}"#,
      stderr: "xen-resume: error: domain 3 is not suspended\n", ms: 20)
  }

  /// `cycles` good cycles, each followed by a live guest.
  private func fastCycles(_ kind: GuestKind, cycles: Int = 5) -> FastCyclesFacts {
    FastCyclesFacts(
      cycles: cycles, steps: (0..<cycles).flatMap { _ in [suspend(kind), resume(kind)] },
      paths: Array(repeating: kind.expectedSuspendPath, count: cycles),
      suspendMicroseconds: Array(repeating: 1834.25, count: cycles),
      resumeMicroseconds: Array(repeating: 312.5, count: cycles), alive: Array(repeating: true, count: cycles),
      counter: "12->13", recovered: nil)
  }

  private func checkpointBlock(
    _ kind: GuestKind, count: Int = 10, path: String? = nil,
    pause: PauseSummary = PauseSummary(min: 1210, p50: 1460, p90: 1920, p99: 2410, max: 2410, mean: 1533.7),
    cycle: (pause: Double, suspend: Double, resume: Double) = (1460, 1100, 300)
  ) -> CommandRecord {
    let cycles = Array(
      repeating: #"{"pauseMicroseconds":\#(cycle.pause),"resumeMicroseconds":\#(cycle.resume),"#
        + #""suspendMicroseconds":\#(cycle.suspend)}"#, count: count)
    return CommandRecord(
      cmd: "xen-resume checkpoint 3 --count \(count) --interval 25ms --cycle-details --json", tool: .xenResume, rc: 0,
      timedOut: false,
      stdout: #"{"backend":"xen","count":\#(count),"cycles":[\#(cycles.joined(separator: ","))],"domain":3,"#
        + #""guestType":"\#(kind.rawValue)","#
        + #""hostCalls":{"xc_domain_getinfo_single":40,"xc_domain_resume":\#(count),"xs_write":\#(count)},"#
        + #""hostCallsPerCycle":6.1,"path":"\#(path ?? kind.expectedSuspendPath)","#
        + #""pauseMicroseconds":{"max":\#(Int(pause.max)),"mean":\#(pause.mean),"min":\#(Int(pause.min)),"#
        + #""p50":\#(Int(pause.p50)),"p90":\#(Int(pause.p90)),"p99":\#(Int(pause.p99))},"#
        + #""succeeded":\#(count)}"#,
      stderr: "", ms: 900)
  }

  private func checkpoint(_ kind: GuestKind, blocks: Int = 5, size: Int = 10) -> CheckpointFacts {
    CheckpointFacts(
      requested: blocks * size, blockSize: size, succeeded: blocks * size,
      blocks: (0..<blocks).map { _ in checkpointBlock(kind, count: size) }, failed: nil,
      liveness: Liveness(alive: true, counter: "40->41"))
  }

  private func cCycleStdout(succeeded: Int, error: String = "null") -> String {
    #"{"tool":"xc-suspend-resume","command":"cycle","domain":3,"path":"xenstore","resume":"fast","count":10,"#
      + #""succeeded":\#(succeeded),"suspendMicroseconds":{"min":900.1,"p50":1000.0,"p90":1100.0,"p99":1200.0,"#
      + #""max":1200.0,"mean":1010.5},"resumeMicroseconds":{"min":200.0,"p50":210.0,"p90":230.0,"p99":250.0,"#
      + #""max":250.0,"mean":212.2},"pauseMicroseconds":{"min":1100.1,"p50":1210.0,"p90":1330.0,"p99":1450.0,"#
      + #""max":1450.0,"mean":1222.7},"seenBy":{"releaseDomain":\#(succeeded),"poll":0},"samples":[1100.1,1210.0],"#
      + #""error":\#(error)}"#
  }

  /// Five blocks of ten per tool, all succeeded.
  private func compare() -> CompareFacts {
    let swift = PauseSummary(min: 1210, p50: 1460, p90: 1920, p99: 2410, max: 2410, mean: 1533.7)
    let c = LabJSON.decode(CClientCycleDocument.self, from: cCycleStdout(succeeded: 10))!
    return CompareFacts(
      blocks: 5, blockSize: 10, swiftSucceeded: 50, cSucceeded: 50, swiftBlockP50: Array(repeating: 1460, count: 5),
      cBlockP50: Array(repeating: 1210, count: 5), cSamples: Array(repeating: 1210, count: 50),
      swiftPause: Array(repeating: swift, count: 5), cPause: Array(repeating: c.pauseMicroseconds!, count: 5),
      hostCallsPerCycle: Array(repeating: 6.1, count: 5), cSeenByPollPerBlock: Array(repeating: 0, count: 5),
      failedSwiftBlock: nil, failedCBlock: nil, liveness: Liveness(alive: true, counter: "80->81"), recovered: nil)
  }
}

extension String {
  /// The string with the first `target` replaced (tests edit recorded documents without Foundation).
  fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
    guard let range = firstRange(of: target) else { return self }
    var text = self
    text.replaceSubrange(range, with: replacement)
    return text
  }
}
