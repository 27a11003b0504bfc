import RealXenLab
import Testing

// The facts as dom0 records them: each tool's stdout as it prints it (xen-resume's documents with sorted keys, the C
// client's in its own order), xen-resume's errors with their `xen-resume: error:` line on stderr.

private let lab = LabJSON.decode(Lab.self, from: #"{"xen":"4.17","suite":"bookworm","kernel":"6.1","guests":[]}"#)!

private func on(_ kind: GuestKind) -> JudgeContext {
  JudgeContext(lab: lab, guest: LabGuest(name: kind.rawValue, type: kind, kernel: "6.1", role: .main))
}

private func xenResume(_ arguments: String, _ stdout: String, rc: Int32 = 0) -> CommandRecord {
  CommandRecord(
    cmd: "/usr/bin/xen-resume " + arguments, tool: .xenResume, rc: rc, timedOut: false, stdout: stdout + "\n",
    stderr: "", ms: 40)
}

private func xenResumeError(_ arguments: String, rc: Int32, kind: String, message: String) -> CommandRecord {
  let document = JSONDocument.object(["error": .object(["kind": .string(kind), "message": .string(message)])])
  return CommandRecord(
    cmd: "/usr/bin/xen-resume " + arguments, tool: .xenResume, rc: rc, timedOut: false, stdout: document.text + "\n",
    stderr: "xen-resume: error: \(message)\n", ms: 15)
}

private func cClient(_ arguments: String, _ stdout: String, rc: Int32 = 0) -> CommandRecord {
  CommandRecord(
    cmd: "/usr/bin/xc-suspend-resume " + arguments, tool: .cClient, rc: rc, timedOut: false, stdout: stdout + "\n",
    stderr: "", ms: 30)
}

private func xl(_ arguments: String, rc: Int32 = 0, stderr: String = "") -> CommandRecord {
  CommandRecord(cmd: "xl " + arguments, tool: .xl, rc: rc, timedOut: false, stdout: "", stderr: stderr, ms: 90)
}

/// The C client's `regs` document, decoded as dom0's XenView decodes it.
private func regs(rax: String, rip: String) -> Registers? {
  LabJSON.decode(
    Registers.self,
    from: #"{"tool":"xc-suspend-resume","command":"regs","domain":3,"width":8,"rax":"\#(rax)","rip":"\#(rip)"}"#)
}

/// The C client's `info` document, decoded as dom0's XenView decodes it.
private func info(_ state: String, reason: Int? = nil) -> DomainView? {
  LabJSON.decode(
    DomainView.self,
    from: #"{"tool":"xc-suspend-resume","command":"info","domain":3,"exists":true,"state":"\#(state)","#
      + #""hvm":false,"paused":false,"shutdownReason":\#(reason.map(String.init) ?? "null"),"guestWidth":8}"#)
}

private let alive = Liveness(alive: true, counter: "41->42")
private let dead = Liveness(alive: false, counter: "41->41 (no progress in 15s)")

private let suspended =
  #"{"backend":"xen","domain":3,"durationMicroseconds":48211.7,"guestType":"pv","path":"xenstoreControl"}"#
private let resumedFast = #"{"backend":"xen","domain":3,"durationMicroseconds":812.4,"mode":"fast"}"#
private let slowRefusal =
  "refused for domain 3: a slow resume makes a Linux pv guest register its vcpu_info again in the same domain, "
  + "which Xen refuses; nothing was changed"

/// Exactly one problem, and it says `fragment`.
private func expectOnly(_ problems: [String], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(
    problems.count == 1 && problems.first?.contains(fragment) == true, "\(problems)", sourceLocation: sourceLocation)
}

@Suite struct RegistersJudgeTests {
  static func passing(_ kind: GuestKind = .pv) -> RegistersFacts {
    let hvm = kind == .hvm
    let suspendDocument =
      hvm
      ? #"{"backend":"xen","domain":7,"durationMicroseconds":90311.2,"guestType":"hvm","path":"hypervisorShutdown"}"#
      : suspended
    return RegistersFacts(
      suspend: xenResume("suspend 3 --json", suspendDocument), pause: xl("pause 3"),
      before: regs(rax: hvm ? "0xffffffff81e3a2c0" : "0x0", rip: "0xffffffff81001a6a"),
      resume: xenResume("resume 3 --fast --json", resumedFast),
      after: regs(rax: hvm ? "0xffffffff81e3a2c0" : "0x1", rip: "0xffffffff81001a6a"), unpause: xl("unpause 3"),
      liveness: alive, recovered: nil)
  }

  @Test func aPVFastResumeThatSetRaxPasses() {
    #expect(Self.passing().problems(in: on(.pv)) == [])
  }

  @Test func aPureHVMFastResumeThatTouchedNothingPasses() {
    #expect(Self.passing(.hvm).problems(in: on(.hvm)) == [])
  }

  @Test func aFailedSuspendIsTheProblemAndNothingElseRan() {
    var facts = Self.passing()
    facts.suspend = xenResumeError(
      "suspend 3 --json", rc: 75, kind: "timeout",
      message: "domain 3 did not suspend within 60 seconds; the domain is running")
    (facts.pause, facts.before, facts.resume, facts.after, facts.unpause) = (nil, nil, nil, nil, nil)
    expectOnly(facts.problems(in: on(.pv)), "suspend: `/usr/bin/xen-resume suspend 3 --json` exit 75, expected exit 0")
  }

  @Test func aFailedPauseIsAProblem() {
    var facts = Self.passing()
    facts.pause = xl("pause 3", rc: 1, stderr: "libxl: error: domain 3: pause failed\n")
    expectOnly(facts.problems(in: on(.pv)), "xl pause: `xl pause 3` exit 1")
  }

  /// As the old Python judge did, the registers are judged too: a failed resume leaves rax unset.
  @Test func aFailedResumeIsAProblem() {
    var facts = Self.passing()
    facts.resume = xenResumeError(
      "resume 3 --fast --json", rc: 76, kind: "xenCall", message: "xc_domain_resume(3): Invalid argument")
    facts.after = facts.before
    #expect(
      facts.problems(in: on(.pv)) == [
        "resume --fast: `/usr/bin/xen-resume resume 3 --fast --json` exit 76, expected exit 0: "
          + "xen-resume: error: xc_domain_resume(3): Invalid argument",
        "PV fast resume: rax 0x0 -> 0x0, expected 0x1",
      ])
  }

  @Test func aPVFastResumeThatLeftRaxAloneIsAProblem() {
    var facts = Self.passing()
    facts.after = regs(rax: "0x0", rip: "0xffffffff81001a6a")
    expectOnly(facts.problems(in: on(.pv)), "PV fast resume: rax 0x0 -> 0x0, expected 0x1")
  }

  @Test func aPVGuestThatRanWhileHeldPausedIsAProblem() {
    var facts = Self.passing()
    facts.after = regs(rax: "0x1", rip: "0xffffffff81001b00")
    expectOnly(facts.problems(in: on(.pv)), "rip moved while held paused: 0xffffffff81001a6a -> 0xffffffff81001b00")
  }

  @Test func unreadableRegistersAreAProblem() {
    var facts = Self.passing()
    facts.after = LabJSON.decode(
      Registers.self,
      from: #"{"tool":"xc-suspend-resume","command":"regs","domain":3,"error":"getcontext: No such process"}"#)
    let problems = facts.problems(in: on(.pv))
    #expect(problems.contains { $0.contains("expected 0x1 (getcontext: No such process)") }, "\(problems)")
  }

  @Test func aPureHVMFastResumeThatChangedRegistersIsAProblem() {
    var facts = Self.passing(.hvm)
    facts.after = regs(rax: "0x1", rip: "0xffffffff81001a6a")
    expectOnly(
      facts.problems(in: on(.hvm)), "pure HVM fast resume: vcpu0 registers changed: rax 0xffffffff81e3a2c0 -> 0x1")
  }

  @Test func aGuestThatDiedIsAProblem() {
    var facts = Self.passing()
    facts.liveness = dead
    expectOnly(facts.problems(in: on(.pv)), "guest not alive afterwards (console counter 41->41 (no progress in 15s))")
  }

  @Test func xenResumeOutputThatIsNotJSONBreaksTheContract() {
    var facts = Self.passing()
    facts.resume = xenResume("resume 3 --fast --json", "domain 3 resumed (fast) in 812 µs")
    expectOnly(facts.problems(in: on(.pv)), "stdout is not one JSON document")
  }
}

@Suite struct SlowRefusedJudgeTests {
  static func passing() -> SlowRefusedFacts {
    SlowRefusedFacts(
      suspend: xenResume("suspend 3 --json", suspended), regsBefore: regs(rax: "0x0", rip: "0xffffffff81001a6a"),
      slow: xenResumeError("resume 3 --slow --json", rc: 1, kind: "refused", message: slowRefusal),
      stateAfterRefusal: info("shutdown", reason: 2), regsAfter: regs(rax: "0x0", rip: "0xffffffff81001a6a"),
      fast: xenResume("resume 3 --fast --json", resumedFast), liveness: alive, recovered: nil)
  }

  @Test func aRefusedSlowResumeThatTouchedNothingPasses() {
    #expect(Self.passing().problems(in: on(.pv)) == [])
    #expect(Self.passing().problems(in: on(.pvhvm)) == [])
  }

  @Test func aFailedSuspendIsTheProblemAndNothingElseRan() {
    var facts = Self.passing()
    facts.suspend = xenResumeError(
      "suspend 3 --json", rc: 1, kind: "refused", message: "refused for domain 3: it is already suspended")
    (facts.regsBefore, facts.slow, facts.stateAfterRefusal, facts.regsAfter, facts.fast) = (nil, nil, nil, nil, nil)
    expectOnly(facts.problems(in: on(.pv)), "suspend: `/usr/bin/xen-resume suspend 3 --json` exit 1, expected exit 0")
  }

  @Test func anAcceptedSlowResumeIsAProblem() {
    var facts = Self.passing()
    facts.slow = xenResume(
      "resume 3 --slow --json", #"{"backend":"xen","domain":3,"durationMicroseconds":20417.9,"mode":"slow"}"#)
    facts.stateAfterRefusal = info("running")
    facts.fast = xenResumeError(
      "resume 3 --fast --json", rc: 1, kind: "notSuspended",
      message: "domain 3 is not suspended (it is running); nothing was changed")
    let problems = facts.problems(in: on(.pv))
    #expect(problems.contains { $0.hasPrefix("resume --slow without --confirm-slow: ") }, "\(problems)")
    #expect(problems.contains { $0.hasPrefix("after the refusal: Xen reports running") }, "\(problems)")
    #expect(problems.contains { $0.hasPrefix("resume --fast afterwards: ") }, "\(problems)")
  }

  @Test func aRefusalOfAnotherKindIsAProblem() {
    var facts = Self.passing()
    facts.slow = xenResumeError("resume 3 --slow --json", rc: 1, kind: "unsupported", message: "domain 3 is a pv guest")
    expectOnly(facts.problems(in: on(.pv)), #"resume --slow: error kind "unsupported", expected "refused""#)
  }

  @Test func aDomainNoLongerSuspendedAfterTheRefusalIsAProblem() {
    var facts = Self.passing()
    facts.stateAfterRefusal = info("shutdown", reason: 3)
    expectOnly(
      facts.problems(in: on(.pv)),
      "after the refusal: Xen reports shutdown (reason 3), expected shutdown with reason 2 (suspend)")
  }

  @Test func registersChangedByTheRefusalAreAProblem() {
    var facts = Self.passing()
    facts.regsAfter = regs(rax: "0x1", rip: "0xffffffff81001a6a")
    expectOnly(facts.problems(in: on(.pv)), "refused slow resume: vcpu0 registers changed: rax 0x0 -> 0x1")
  }

  @Test func aFailedFastResumeAfterwardsIsAProblem() {
    var facts = Self.passing()
    facts.fast = xenResumeError(
      "resume 3 --fast --json", rc: 76, kind: "xenCall", message: "xc_domain_resume(3): Invalid argument")
    expectOnly(facts.problems(in: on(.pv)), "resume --fast afterwards: ")
  }

  @Test func aGuestThatDiedIsAProblem() {
    var facts = Self.passing()
    facts.liveness = dead
    expectOnly(facts.problems(in: on(.pv)), "guest not alive afterwards")
  }

  @Test func anErrorWithoutItsStderrLineBreaksTheContract() {
    var facts = Self.passing()
    facts.slow?.stderr = ""
    expectOnly(facts.problems(in: on(.pv)), "exit 1 without a `xen-resume: error:` line on stderr")
  }
}

@Suite struct ShutdownRefusedJudgeTests {
  static func passing() -> ShutdownRefusedFacts {
    ShutdownRefusedFacts(
      suspend: xenResumeError(
        "suspend 3 --path shutdown --json", rc: 1, kind: "refused",
        message: "refused for domain 3: xc_domain_shutdown would stop this pv guest outside its suspend hypercall, "
          + "and resuming it would then corrupt it; nothing was changed"),
      stateAfter: info("running"), liveness: alive, recovered: nil)
  }

  @Test func aRefusedShutdownPathPasses() {
    #expect(Self.passing().problems(in: on(.pvh)) == [])
  }

  @Test func aSuspendThroughXenIsAProblem() {
    var facts = Self.passing()
    facts.suspend = xenResume(
      "suspend 3 --path shutdown --json",
      #"{"backend":"xen","domain":3,"durationMicroseconds":1021.3,"guestType":"pv","path":"hypervisorShutdown"}"#)
    facts.stateAfter = info("shutdown", reason: 2)
    facts.recovered = "uncooperative exit 0"
    let problems = facts.problems(in: on(.pv))
    #expect(problems.count == 2, "\(problems)")
    #expect(problems.contains { $0.hasPrefix("suspend --path shutdown: ") && $0.contains("exit 0, expected exit 1") })
    #expect(problems.contains { $0.hasPrefix("after the refusal: Xen reports shutdown (reason 2), expected running") })
  }

  @Test func aRefusalOfAnotherKindIsAProblem() {
    var facts = Self.passing()
    facts.suspend = xenResumeError(
      "suspend 3 --path shutdown --json", rc: 1, kind: "shutdownForOtherReason",
      message: "domain 3 shut down with reason crash instead of suspending")
    expectOnly(facts.problems(in: on(.pv)), #"error kind "shutdownForOtherReason", expected "refused""#)
  }

  @Test func aDomainNotRunningAfterwardsIsAProblem() {
    var facts = Self.passing()
    facts.stateAfter = nil
    expectOnly(facts.problems(in: on(.pv)), "after the refusal: Xen reports nothing (reason none), expected running")
  }

  @Test func aGuestThatDiedIsAProblem() {
    var facts = Self.passing()
    facts.liveness = dead
    expectOnly(facts.problems(in: on(.pv)), "guest not alive afterwards")
  }
}

@Suite struct UncooperativeJudgeTests {
  static let forced = cClient(
    "suspend 3 --path shutdown --timeout-ms 10000",
    #"{"tool":"xc-suspend-resume","command":"cycle","domain":3,"path":"shutdown","resume":"none","count":1,"#
      + #""succeeded":1,"suspendMicroseconds":{"min":612.0,"p50":612.0,"p90":612.0,"p99":612.0,"max":612.0,"#
      + #""mean":612.0},"resumeMicroseconds":null,"pauseMicroseconds":{"min":612.0,"p50":612.0,"p90":612.0,"#
      + #""p99":612.0,"max":612.0,"mean":612.0},"seenBy":{"releaseDomain":1,"poll":0},"error":null}"#)

  static func cCycle(poll: Int, rc: Int32 = 0) -> CommandRecord {
    cClient(
      "cycle 3 --count 1 --timeout-ms 20000",
      #"{"tool":"xc-suspend-resume","command":"cycle","domain":3,"path":"xenstore","resume":"fast","count":1,"#
        + #""succeeded":1,"suspendMicroseconds":{"min":40211.0,"p50":40211.0,"p90":40211.0,"p99":40211.0,"#
        + #""max":40211.0,"mean":40211.0},"resumeMicroseconds":{"min":702.5,"p50":702.5,"p90":702.5,"p99":702.5,"#
        + #""max":702.5,"mean":702.5},"pauseMicroseconds":{"min":40913.5,"p50":40913.5,"p90":40913.5,"#
        + #""p99":40913.5,"max":40913.5,"mean":40913.5},"seenBy":{"releaseDomain":\#(1 - poll),"poll":\#(poll)},"#
        + #""error":null}"#, rc: rc)
  }

  static func passing(_ tool: UncooperativeTool) -> UncooperativeFacts {
    let resume =
      tool == .cClient
      ? cClient(
        "resume 3 --uncooperative",
        #"{"tool":"xc-suspend-resume","command":"resume","domain":3,"mode":"uncooperative","ok":true,"rc":0,"#
          + #""errno":0,"durationMicroseconds":88.1,"stateAfter":"paused"}"#)
      : xenResume(
        "resume 3 --uncooperative --json",
        #"{"backend":"xen","domain":3,"durationMicroseconds":140.6,"mode":"uncooperative"}"#)
    return UncooperativeFacts(
      tool: tool, forcedSuspend: forced, stateForced: info("shutdown", reason: 2), pause: xl("pause 3"),
      regsBefore: regs(rax: "0xffffffff81e3a2c0", rip: "0xffffffff81001a6a"), resume: resume,
      regsAfter: regs(rax: "0xffffffff81e3a2c0", rip: "0xffffffff81001a6a"), unpause: xl("unpause 3"),
      liveness: alive, afterCycle: tool == .cClient ? cCycle(poll: 0) : nil,
      afterSuspend: tool == .xenResume ? xenResume("suspend 3 --timeout 20s --json", suspended) : nil,
      afterResume: tool == .xenResume ? xenResume("resume 3 --fast --json", resumedFast) : nil,
      after: Liveness(alive: true, counter: "44->45"), recovered: nil)
  }

  @Test func theCClientsUncooperativeResumePasses() {
    #expect(Self.passing(.cClient).problems(in: on(.pv)) == [])
    #expect(UncooperativeTool.cClient.scenario == "c-uncooperative")
  }

  @Test func xenResumesUncooperativeResumePasses() {
    #expect(Self.passing(.xenResume).problems(in: on(.pv)) == [])
    #expect(UncooperativeTool.xenResume.scenario == "uncooperative")
  }

  @Test func aDomainTheForcedSuspendLeftRunningIsTheProblemAndNothingElseRan() {
    var facts = UncooperativeFacts(
      tool: .xenResume,
      forcedSuspend: cClient(
        "suspend 3 --path shutdown --timeout-ms 10000",
        #"{"tool":"xc-suspend-resume","command":"cycle","domain":3,"path":"shutdown","resume":"none","count":1,"#
          + #""succeeded":0,"suspendMicroseconds":null,"resumeMicroseconds":null,"pauseMicroseconds":null,"#
          + #""seenBy":{"releaseDomain":0,"poll":0},"error":"cycle 1: guest did not suspend within 10000 ms"}"#,
        rc: 1),
      stateForced: info("running"), pause: nil, regsBefore: nil, resume: nil, regsAfter: nil, unpause: nil,
      liveness: alive, afterCycle: nil, afterSuspend: nil, afterResume: nil, after: nil, recovered: nil)
    var problems = facts.problems(in: on(.pv))
    #expect(problems.count == 2, "\(problems)")
    #expect(problems.contains { $0.hasPrefix("forced suspend (C client, xc_domain_shutdown): ") })
    #expect(problems.contains { $0.hasPrefix("after the forced suspend: Xen reports running (reason none)") })
    facts.liveness = dead
    problems = facts.problems(in: on(.pv))
    #expect(problems.count == 3 && problems.last?.hasPrefix("guest not alive afterwards") == true, "\(problems)")
  }

  @Test func aFailedResumeIsAProblem() {
    var facts = Self.passing(.cClient)
    facts.resume = cClient(
      "resume 3 --uncooperative",
      #"{"tool":"xc-suspend-resume","command":"resume","domain":3,"mode":"uncooperative","ok":false,"rc":-1,"#
        + #""errno":22,"durationMicroseconds":40.2,"stateAfter":"shutdown"}"#, rc: 1)
    expectOnly(facts.problems(in: on(.pv)), "resume --uncooperative: `/usr/bin/xc-suspend-resume resume 3")
  }

  @Test func xenResumeResumingInAnotherModeIsAProblem() {
    var facts = Self.passing(.xenResume)
    facts.resume = xenResume("resume 3 --uncooperative --json", resumedFast)
    expectOnly(facts.problems(in: on(.pv)), #"mode "fast", expected "uncooperative""#)
  }

  @Test func registersChangedByTheResumeAreAProblem() {
    var facts = Self.passing(.xenResume)
    facts.regsAfter = regs(rax: "0x1", rip: "0xffffffff81001a6a")
    expectOnly(facts.problems(in: on(.pv)), "uncooperative resume: vcpu0 registers changed")
  }

  @Test func aFailedPauseIsAProblem() {
    var facts = Self.passing(.cClient)
    facts.pause = xl("pause 3", rc: 1)
    expectOnly(facts.problems(in: on(.pv)), "xl pause: ")
  }

  @Test func aGuestDeadAfterTheResumeIsTheProblemAndNoCycleFollowed() {
    for tool in [UncooperativeTool.cClient, .xenResume] {
      var facts = Self.passing(tool)
      (facts.liveness, facts.afterCycle, facts.afterSuspend, facts.afterResume, facts.after) = (
        dead, nil, nil, nil, nil
      )
      expectOnly(facts.problems(in: on(.pv)), "guest not alive afterwards")
    }
  }

  @Test func aFailedCCycleAfterwardsIsAProblem() {
    var facts = Self.passing(.cClient)
    facts.afterCycle = cClient(
      "cycle 3 --count 1 --timeout-ms 20000",
      #"{"tool":"xc-suspend-resume","command":"cycle","domain":3,"path":"xenstore","resume":"fast","count":1,"#
        + #""succeeded":0,"suspendMicroseconds":null,"resumeMicroseconds":null,"pauseMicroseconds":null,"#
        + #""seenBy":{"releaseDomain":0,"poll":0},"error":"cycle 1: guest did not acknowledge (request withdrawn)"}"#,
      rc: 1)
    expectOnly(facts.problems(in: on(.pv)), "C cycle afterwards: `/usr/bin/xc-suspend-resume cycle 3")
  }

  /// The C client's cycle succeeds (exit 0) when only its poll noticed the suspend; dom0's shell turned that into
  /// RC=99, the judge says it.
  @Test func aCCycleAfterwardsNoticedOnlyByItsPollIsAProblem() {
    var facts = Self.passing(.cClient)
    facts.afterCycle = Self.cCycle(poll: 1)
    expectOnly(
      facts.problems(in: on(.pv)),
      "C cycle afterwards: 1 suspend(s) noticed only by its poll, expected 0 (no @releaseDomain")
  }

  @Test func aFailedXenResumeSuspendAfterwardsIsAProblem() {
    var facts = Self.passing(.xenResume)
    facts.afterSuspend = xenResumeError(
      "suspend 3 --timeout 20s --json", rc: 75, kind: "timeout",
      message: "domain 3 did not acknowledge the suspend request within 20 seconds; the request was withdrawn and "
        + "the domain is running")
    facts.afterResume = nil
    expectOnly(facts.problems(in: on(.pv)), "cooperative suspend afterwards: ")
  }

  @Test func aFailedXenResumeResumeAfterwardsIsAProblem() {
    var facts = Self.passing(.xenResume)
    facts.afterResume = xenResumeError(
      "resume 3 --fast --json", rc: 76, kind: "xenCall", message: "xc_domain_resume(3): Invalid argument")
    expectOnly(facts.problems(in: on(.pv)), "fast resume afterwards: ")
  }

  @Test func aGuestDeadAfterTheCooperativeCycleIsAProblem() {
    var facts = Self.passing(.cClient)
    facts.after = dead
    expectOnly(facts.problems(in: on(.pv)), "guest not alive after the cooperative cycle that followed")
  }
}

@Suite struct SlowHVMJudgeTests {
  static func passing() -> SlowHVMFacts {
    SlowHVMFacts(
      suspend: xenResume(
        "suspend 7 --json",
        #"{"backend":"xen","domain":7,"durationMicroseconds":90311.2,"guestType":"hvm","path":"hypervisorShutdown"}"#
      ),
      resume: xenResume(
        "resume 7 --slow --json", #"{"backend":"xen","domain":7,"durationMicroseconds":30877.0,"mode":"slow"}"#),
      liveness: Liveness(alive: true, counter: "120->122"), recovered: nil)
  }

  @Test func aSlowResumeThePureHVMGuestSurvivedPasses() {
    #expect(Self.passing().problems(in: on(.hvm)) == [])
  }

  @Test func aFailedSuspendIsAProblem() {
    var facts = Self.passing()
    facts.suspend = xenResumeError(
      "suspend 7 --json", rc: 75, kind: "timeout", message: "domain 7 did not suspend within 60 seconds")
    facts.resume = xenResumeError(
      "resume 7 --slow --json", rc: 1, kind: "notSuspended",
      message: "domain 7 is not suspended (it is running); nothing was changed")
    let problems = facts.problems(in: on(.hvm))
    #expect(problems.count == 2, "\(problems)")
    #expect(problems.first?.hasPrefix("suspend: ") == true && problems.last?.hasPrefix("resume --slow: ") == true)
  }

  @Test func anotherSuspendPathIsAProblem() {
    var facts = Self.passing()
    facts.suspend = xenResume("suspend 7 --json", suspended)
    expectOnly(facts.problems(in: on(.hvm)), #"path "xenstoreControl", expected "hypervisorShutdown""#)
  }

  @Test func aFailedResumeIsAProblem() {
    var facts = Self.passing()
    facts.resume = xenResumeError(
      "resume 7 --slow --json", rc: 76, kind: "xenCall", message: "xc_domain_resume(7): Invalid argument")
    expectOnly(facts.problems(in: on(.hvm)), "resume --slow: ")
  }

  @Test func anotherResumeModeIsAProblem() {
    var facts = Self.passing()
    facts.resume = xenResume("resume 7 --slow --json", resumedFast)
    expectOnly(facts.problems(in: on(.hvm)), #"mode "fast", expected "slow""#)
  }

  @Test func aGuestThatDiedIsAProblem() {
    var facts = Self.passing()
    facts.liveness = Liveness(alive: false, counter: "120->120 (no progress in 40s)")
    expectOnly(facts.problems(in: on(.hvm)), "guest not alive afterwards")
  }
}
