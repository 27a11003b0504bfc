import RealXenLab
import Testing

// The event channel guests' scenarios as dom0 records them: xen-resume's documents (sorted keys), the C client's
// one-line documents, xenstore-write's empty output, the C client's `info` document for Xen's view.

private let lab = LabJSON.decode(Lab.self, from: #"{"xen":"4.17","suite":"bookworm","kernel":"6.1","guests":[]}"#)!
private let pvec = JudgeContext(lab: lab, guest: LabGuest(name: "pvec", type: .pv, kernel: "6.1", role: .eventChannel))
private let alive = Liveness(alive: true, counter: "40->41")

private func record(_ tool: LabTool, _ cmd: String, rc: Int32 = 0, stdout: String, stderr: String = "", ms: Int = 30)
  -> CommandRecord
{
  CommandRecord(cmd: cmd, tool: tool, rc: rc, timedOut: false, stdout: stdout + "\n", stderr: stderr, ms: ms)
}

private func checkpoint(count: Int, path: String, p50: Int, forced: Bool = false) -> CommandRecord {
  record(
    .xenResume, "xen-resume checkpoint 7 --count \(count)\(forced ? " --path xenstore" : "") --json",
    stdout: #"{"backend":"xen","count":\#(count),"domain":7,"guestType":"pv","path":"\#(path)","#
      + #""pauseMicroseconds":{"max":\#(p50 * 2),"mean":\#(p50),"min":\#(p50 / 2),"p50":\#(p50),"#
      + #""p90":\#(p50 * 2),"p99":\#(p50 * 2)},"succeeded":\#(count)}"#)
}

private func xenResumeError(_ arguments: String, rc: Int32, kind: String, ms: Int = 20) -> CommandRecord {
  record(
    .xenResume, "xen-resume " + arguments, rc: rc, stdout: #"{"error":{"kind":"\#(kind)","message":"no"}}"#,
    stderr: "xen-resume: error: no\n", ms: ms)
}

private func cCycle(path: String, succeeded: Int, releaseDomain: Int, poll: Int = 0) -> CommandRecord {
  record(
    .cClient, "xc-suspend-resume cycle 7 --path \(path) --count \(succeeded)",
    stdout: #"{"tool":"xc-suspend-resume","command":"cycle","domain":7,"path":"\#(path)","resume":"fast","#
      + #""count":\#(succeeded),"succeeded":\#(succeeded),"pauseMicroseconds":{"min":1.0,"p50":2.0,"p90":3.0,"#
      + #""p99":3.0,"max":3.0,"mean":2.0},"seenBy":{"releaseDomain":\#(releaseDomain),"eventChannel":0,"#
      + #""poll":\#(poll)},"error":null}"#)
}

private func cLock(ok: Bool) -> CommandRecord {
  record(
    .cClient, "xc-suspend-resume lock 7", rc: ok ? 0 : 1,
    stdout: #"{"tool":"xc-suspend-resume","command":"lock","domain":7,"ok":\#(ok),"localPort":\#(ok ? 41 : -1),"#
      + #""error":\#(ok ? "null" : #""xc_suspend_evtchn_init_exclusive(port 5): Resource temporarily unavailable""#)}"#)
}

private func xenstoreWrite(_ value: String) -> CommandRecord {
  record(.xenstore, "xenstore-write /local/domain/7/data/rx-suspend-evtchn \(value)", stdout: "")
}

private func info(_ state: String, reason: Int? = nil) -> DomainView? {
  LabJSON.decode(
    DomainView.self,
    from: #"{"tool":"xc-suspend-resume","command":"info","domain":7,"exists":true,"state":"\#(state)","#
      + #""hvm":false,"paused":false,"shutdownReason":\#(reason.map(String.init) ?? "null"),"guestWidth":8}"#)
}

/// Exactly one problem, and it says `fragment`.
private func expectOnly(_ problems: [String], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(
    problems.count == 1 && problems.first?.contains(fragment) == true, "\(problems)", sourceLocation: sourceLocation)
}

@Suite struct PathCompareJudgeTests {
  static func facts(channelPath: String = "eventChannel", channelP50: [Int] = [300, 320, 310]) -> PathCompareFacts {
    PathCompareFacts(
      channelBlocks: channelP50.map { checkpoint(count: 10, path: channelPath, p50: $0) },
      xenstoreBlocks: [900, 1000, 1100].map { checkpoint(count: 10, path: "xenstoreControl", p50: $0, forced: true) },
      liveness: alive, recovered: nil)
  }

  @Test func bothPathsInFullPassAndGiveTheRatioOfTheMedians() {
    let facts = Self.facts()
    #expect(facts.problems(in: pvec) == [])
    #expect(facts.ratio == 310.0 / 1000.0)
    #expect(facts.cycles == 60)
  }

  @Test func channelBlocksOnAnotherPathAreAProblem() {
    let problems = Self.facts(channelPath: "xenstoreControl").problems(in: pvec)
    #expect(problems.count == 3 && problems.allSatisfy { $0.contains("expected \"eventChannel\"") }, "\(problems)")
  }

  @Test func aMissingBlockIsAProblem() {
    expectOnly(Self.facts(channelP50: [300, 320]).problems(in: pvec), "2 eventChannel blocks, expected 3")
  }
}

@Suite struct EventChannelLockJudgeTests {
  static func facts(
    cWhileSwiftHolds: CommandRecord = cLock(ok: false),
    swiftWhileCHolds: CommandRecord = xenResumeError("suspend 7 --json", rc: 1, kind: "alreadyInProgress"),
    cXenstoreAfterSwift: CommandRecord = cCycle(path: "xenstore", succeeded: 1, releaseDomain: 1),
    lockHeldBySwift: Bool = true
  ) -> EventChannelLockFacts {
    EventChannelLockFacts(
      swiftHolding: checkpoint(count: 20, path: "eventChannel", p50: 300), lockHeldBySwift: lockHeldBySwift,
      cWhileSwiftHolds: cWhileSwiftHolds, cHolding: cLock(ok: true), lockHeldByC: true,
      swiftWhileCHolds: swiftWhileCHolds, stateWhileCHolds: info("running"),
      cXenstoreAfterSwift: cXenstoreAfterSwift,
      cChannelAfterSwift: cCycle(path: "evtchn", succeeded: 3, releaseDomain: 0),
      swiftAfterC: checkpoint(count: 3, path: "eventChannel", p50: 300), liveness: alive, recovered: nil)
  }

  @Test func eachRefusedWhileTheOtherHoldsAndWorkingAfterPasses() {
    #expect(Self.facts().problems(in: pvec) == [])
  }

  @Test func theCClientBindingWhileXenResumeHoldsTheLockIsAProblem() {
    expectOnly(Self.facts(cWhileSwiftHolds: cLock(ok: true)).problems(in: pvec), "while xen-resume held it")
  }

  @Test func xenResumeSuspendingWhileTheCClientHoldsTheLockIsAProblem() {
    let suspended = record(.xenResume, "xen-resume suspend 7 --json", stdout: #"{"backend":"xen","domain":7}"#)
    expectOnly(Self.facts(swiftWhileCHolds: suspended).problems(in: pvec), "suspended while the C client held")
  }

  @Test func aSuspendNotAnnouncedByReleaseDomainAfterXenResumeExitedIsASubscriptionLeftBehind() {
    let polled = cCycle(path: "xenstore", succeeded: 1, releaseDomain: 0, poll: 1)
    expectOnly(Self.facts(cXenstoreAfterSwift: polled).problems(in: pvec), "a subscription was left behind")
  }

  @Test func aLockNeverSeenHeldIsAProblem() {
    expectOnly(Self.facts(lockHeldBySwift: false).problems(in: pvec), "never seen held while xen-resume")
  }
}

@Suite struct EventChannelSilentJudgeTests {
  static func facts(suspend: CommandRecord, state: String = "running") -> EventChannelSilentFacts {
    EventChannelSilentFacts(
      ignore: xenstoreWrite("ignore"), suspend: suspend, stateAfter: info(state), liveness: alive,
      answer: xenstoreWrite("answer"), checkpointAfter: checkpoint(count: 2, path: "eventChannel", p50: 300),
      recovered: nil)
  }

  @Test func aTimeoutWithTheGuestRunningOnPasses() {
    let timedOut = xenResumeError("suspend 7 --timeout 5s --json", rc: 75, kind: "timeout", ms: 5200)
    #expect(Self.facts(suspend: timedOut).problems(in: pvec) == [])
  }

  @Test func aSuspendThatWorkedIsAProblem() {
    let suspended = record(.xenResume, "xen-resume suspend 7 --json", stdout: #"{"backend":"xen","domain":7}"#)
    expectOnly(Self.facts(suspend: suspended).problems(in: pvec), "the suspend of a silent guest succeeded")
  }

  @Test func aGuestLeftSuspendedIsAProblem() {
    let timedOut = xenResumeError("suspend 7 --timeout 5s --json", rc: 75, kind: "timeout", ms: 5200)
    expectOnly(Self.facts(suspend: timedOut, state: "shutdown").problems(in: pvec), "after the timeout")
  }
}

@Suite struct EventChannelCrashJudgeTests {
  static func facts(suspend: CommandRecord, reason: Int = 3) -> EventChannelCrashFacts {
    EventChannelCrashFacts(
      crash: xenstoreWrite("crash"), suspend: suspend, stateAfter: info("shutdown", reason: reason))
  }

  @Test func aCrashReportedAtOncePasses() {
    let crashed = xenResumeError("suspend 7 --json", rc: 1, kind: "shutdownForOtherReason", ms: 900)
    #expect(Self.facts(suspend: crashed).problems(in: pvec) == [])
  }

  @Test func aCrashReportedOnlyAtTheTimeoutIsAProblem() {
    let late = xenResumeError("suspend 7 --json", rc: 1, kind: "shutdownForOtherReason", ms: 119_000)
    expectOnly(Self.facts(suspend: late).problems(in: pvec), "not at once")
  }

  @Test func aTimeoutInsteadOfTheCrashIsAProblem() {
    let timedOut = xenResumeError("suspend 7 --json", rc: 75, kind: "timeout", ms: 120_000)
    let problems = Self.facts(suspend: timedOut).problems(in: pvec)
    #expect(problems.count == 2 && problems.contains { $0.contains("error kind \"timeout\"") }, "\(problems)")
  }
}
