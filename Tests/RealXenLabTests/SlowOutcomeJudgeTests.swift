import RealXenLab
import Testing

/// The slow-resume outcome's judge and its survival matrix words, over facts shaped as dom0 records them: xen-resume's
/// `--json` documents and the C client's `info`.
@Suite struct SlowOutcomeJudgeTests {
  // MARK: Facts as dom0 records them

  func lab() throws -> Lab {
    try LabTable.decode(
      #"""
      {"suites": {"bookworm": {"debian": 12}}, "kernels": {"6.1": {"suite": "bookworm"}},
       "labs": [{"xen": "4.17", "suite": "bookworm", "kernel": "6.1",
                 "guests": [{"name": "throw", "type": "pv", "kernel": "6.1", "role": "throwaway"},
                            {"name": "pvhvm", "type": "pvhvm", "kernel": "6.1", "role": "main"}]}]}
      """#
    ).lab(xen: "4.17")
  }

  func context(_ name: String = "throw") throws -> JudgeContext {
    let lab = try lab()
    return JudgeContext(lab: lab, guest: lab.guest(name))
  }

  let suspend = CommandRecord(
    cmd: "/usr/bin/xen-resume suspend 9 --json", tool: .xenResume, rc: 0, timedOut: false,
    stdout: #"{"backend":"xen","domain":9,"durationMicroseconds":48211.3,"guestType":"pv","path":"xenstoreControl"}"#,
    stderr: "", ms: 61)

  let resume = CommandRecord(
    cmd: "/usr/bin/xen-resume resume 9 --slow --without-soft-reset --confirm-slow --json", tool: .xenResume, rc: 0,
    timedOut: false, stdout: #"{"backend":"xen","domain":9,"durationMicroseconds":1523.4,"mode":"slow"}"#, stderr: "",
    ms: 12)

  /// The C client's `info` of a PV domain.
  func view(_ state: String, reason: Int?) -> DomainView? {
    let reasonText = reason.map(String.init) ?? "null"
    return LabJSON.decode(
      DomainView.self,
      from: #"{"tool":"xc-suspend-resume","command":"info","domain":9,"exists":true,"state":"\#(state)","#
        + #""hvm":false,"paused":false,"shutdownReason":\#(reasonText),"guestWidth":8}"#)
  }

  /// Linux 6.1 PV on Xen 4.17: the refused registration, a panic, shut down with reason crash.
  func panicked() -> SlowOutcomeFacts {
    SlowOutcomeFacts(
      suspend: suspend, resume: resume, type: .pv, kernel: "6.1", outcome: .panic,
      panic: "register_vcpu_info failed: cpu=0 err=-22", warning: nil, trouble: nil,
      notable: "Kernel panic - not syncing: register_vcpu_info failed: cpu=0 err=-22", counter: "41->42",
      finalState: view("shutdown", reason: 3),
      console: "RX-COUNTER 42\n[   95.123456] Kernel panic - not syncing: register_vcpu_info failed: cpu=0 err=-22\n")
  }

  func facts(
    _ outcome: SlowOutcome, state: String, reason: Int?, panic: String? = nil, warning: String? = nil,
    trouble: String? = nil
  ) -> SlowOutcomeFacts {
    var facts = panicked()
    facts.outcome = outcome
    facts.finalState = view(state, reason: reason)
    facts.panic = panic
    facts.warning = warning
    facts.trouble = trouble
    return facts
  }

  // MARK: Outcomes that pass (the finding is the outcome, not a failure)

  @Test func aPanicThatShutTheGuestDownPasses() throws {
    #expect(panicked().problems(in: try context()) == [])
  }

  @Test func everyObservedOutcomePasses() throws {
    let context = try context()
    #expect(facts(.alive, state: "running", reason: nil).problems(in: context) == [])
    #expect(
      facts(.warned, state: "running", reason: nil, warning: "xen: register_vcpu_info failed: cpu=1 err=-22")
        .problems(in: context) == [])
    #expect(facts(.shutdown, state: "shutdown", reason: 1).problems(in: context) == [])
    #expect(
      facts(.hung, state: "running", reason: nil, trouble: "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI")
        .problems(in: context) == [])
  }

  // MARK: Failures

  @Test func aFailedSuspendIsAProblemAndTheResumeNotRun() throws {
    var facts = panicked()
    facts.suspend = CommandRecord(
      cmd: "/usr/bin/xen-resume suspend 9 --json", tool: .xenResume, rc: 75, timedOut: false,
      stdout: #"{"error":{"kind":"timeout","message":"domain 9 did not suspend within 30 s"}}"#,
      stderr: "xen-resume: error: domain 9 did not suspend within 30 s\n", ms: 30_004)
    facts.resume = nil
    facts.outcome = .hung
    #expect(
      facts.problems(in: try context()) == [
        "suspend: `/usr/bin/xen-resume suspend 9 --json` exit 75, expected exit 0: xen-resume: error: domain 9 did "
          + "not suspend within 30 s",
        "slow resume: not run",
      ])
  }

  @Test func aFailedSlowResumeIsAProblem() throws {
    var facts = panicked()
    facts.resume = CommandRecord(
      cmd: "/usr/bin/xen-resume resume 9 --slow --without-soft-reset --confirm-slow --json", tool: .xenResume, rc: 1,
      timedOut: false,
      stdout: #"{"error":{"kind":"hostCallFailed","message":"xc_domain_resume(9, fast: false) failed: EINVAL"}}"#,
      stderr: "xen-resume: error: xc_domain_resume(9, fast: false) failed: EINVAL\n", ms: 40)
    facts.outcome = .hung
    #expect(
      facts.problems(in: try context()) == [
        "slow resume: `/usr/bin/xen-resume resume 9 --slow --without-soft-reset --confirm-slow --json` exit 1, "
          + "expected exit 0: xen-resume: error: xc_domain_resume(9, fast: false) failed: EINVAL"
      ])
  }

  @Test func aResumeKilledAtTheTimeLimitIsAProblem() throws {
    var facts = panicked()
    facts.resume = CommandRecord(
      cmd: "/usr/bin/xen-resume resume 9 --slow --without-soft-reset --confirm-slow --json", tool: .xenResume, rc: nil,
      timedOut: true, stdout: "", stderr: "", ms: 120_000)
    facts.outcome = .hung
    #expect(
      facts.problems(in: try context()) == [
        "slow resume: `/usr/bin/xen-resume resume 9 --slow --without-soft-reset --confirm-slow --json` killed at "
          + "dom0's time limit, expected exit 0"
      ])
  }

  @Test func aResumeWhoseStdoutIsNoJSONDocumentBreaksTheContract() throws {
    var facts = panicked()
    facts.resume?.stdout = "domain 9 resumed (slow) in 1.5 ms"
    #expect(
      facts.problems(in: try context()) == [
        "`/usr/bin/xen-resume resume 9 --slow --without-soft-reset --confirm-slow --json`: stdout is not one JSON "
          + "document: domain 9 resumed (slow) in 1.5 ms"
      ])
  }

  @Test func aPanicXenStillReportsRunningIsAProblem() throws {
    let facts = facts(.panic, state: "running", reason: nil, panic: "Attempted to kill init!")
    #expect(facts.problems(in: try context()) == ["outcome panic but Xen reports running (reason none)"])
  }

  @Test func aShutdownWithReasonSuspendIsNoOutcome() throws {
    let facts = facts(.shutdown, state: "shutdown", reason: 2)
    #expect(facts.problems(in: try context()) == ["outcome shutdown but Xen reports shutdown (reason 2)"])
  }

  @Test func aPanicWithoutItsMessageIsAProblem() throws {
    #expect(
      facts(.panic, state: "shutdown", reason: 3, panic: nil).problems(in: try context()) == [
        "outcome panic without the panic's message"
      ])
    #expect(
      facts(.panic, state: "shutdown", reason: 3, panic: "").problems(in: try context()) == [
        "outcome panic without the panic's message"
      ])
  }

  @Test func anAliveGuestXenReportsShutDownIsAProblem() throws {
    let facts = facts(.alive, state: "shutdown", reason: 1)
    #expect(facts.problems(in: try context()) == ["outcome alive but Xen reports shutdown (counter 41->42)"])
  }

  @Test func anAliveGuestWithoutXensViewIsAProblem() throws {
    var facts = facts(.alive, state: "running", reason: nil)
    facts.finalState = nil
    #expect(facts.problems(in: try context()) == ["outcome alive but Xen reports nothing (counter 41->42)"])
  }

  @Test func aWarnedGuestWithoutTheWarningIsAProblem() throws {
    let facts = facts(.warned, state: "running", reason: nil)
    #expect(facts.problems(in: try context()) == ["outcome warned without the warning line"])
  }

  // MARK: Skipped after a soft-reset resume that left the guest dead

  @Test func aSkippedOutcomePassesAsNotObservedWithItsReason() throws {
    let reason =
      "slow-soft-reset left the guest not running with its counter moving (Xen: shutdown, counter not read; its "
      + "soft-reset cell: panic: Attempted to kill init!; shut down (crash))"
    let facts = SlowOutcomeFacts.skipped(
      type: .pvhvm, kernel: "6.1", reason: reason, finalState: view("shutdown", reason: 3))
    #expect(facts.problems(in: try context("pvhvm")) == [])
    #expect(facts.matrixCell == "not observed")
    #expect(facts.matrixNote == "not observed: " + reason)
  }

  @Test func aSkippedOutcomeThatRanCommandsOrGivesNoReasonFails() throws {
    var ran = SlowOutcomeFacts.skipped(type: .pvhvm, kernel: "6.1", reason: "hung", finalState: nil)
    ran.suspend = suspend
    #expect(ran.problems(in: try context("pvhvm")) == ["skipped, yet commands were run"])
    let silent = SlowOutcomeFacts.skipped(type: .pvhvm, kernel: "6.1", reason: "", finalState: nil)
    #expect(silent.problems(in: try context("pvhvm")) == ["skipped without a reason"])
  }

  // MARK: The survival matrix's words

  @Test func theCellSaysWhatHappened() {
    #expect(panicked().matrixCell == "panic: register_vcpu_info failed: cpu=0 err=-22; shut down (crash)")
    #expect(facts(.shutdown, state: "shutdown", reason: 1).matrixCell == "shut down (reboot)")
    #expect(facts(.alive, state: "running", reason: nil).matrixCell == "alive")
    #expect(
      facts(.warned, state: "running", reason: nil, warning: "xen: register_vcpu_info failed: cpu=1 err=-22")
        .matrixCell == "alive; warned: xen: register_vcpu_info failed: cpu=1 err=-22")
    // A hung kernel's first trouble line varies from run to run: it goes to the note, not the cell.
    let hung = facts(.hung, state: "running", reason: nil, trouble: "invalid opcode: 0000 [#1] SMP NOPTI")
    #expect(hung.matrixCell == "hung")
    #expect(hung.matrixNote == "invalid opcode: 0000 [#1] SMP NOPTI")
  }

  @Test func theNoteJoinsTheWarningAndTheTrouble() {
    #expect(panicked().matrixNote == nil)
    let both = facts(
      .hung, state: "running", reason: nil, warning: "xen: register_vcpu_info failed: cpu=0 err=-22",
      trouble: "WARNING: CPU: 0 PID: 1 at arch/x86/xen/enlighten.c:223")
    #expect(
      both.matrixNote
        == "xen: register_vcpu_info failed: cpu=0 err=-22; WARNING: CPU: 0 PID: 1 at arch/x86/xen/enlighten.c:223")
  }

  @Test func theFactsRoundTripThroughTheResultLine() throws {
    let line = LabJSON.text(ScenarioResult(scenario: "slow-outcome", guest: "throw", problems: [], facts: panicked()))
    let recorded = try #require(LabJSON.decode(RecordedResult.self, from: line))
    let facts = try #require(recorded.facts(as: SlowOutcomeFacts.self))
    #expect(facts.outcome == .panic)
    #expect(facts.finalState?.shutdownReason == 3)
    #expect(facts.matrixCell == panicked().matrixCell)
  }
}
