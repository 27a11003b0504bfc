import RealXenLab
import Testing

/// The soft-reset resume's judge, its survival matrix words and the `rx-colo` console lines, over facts shaped as dom0
/// records them: xen-resume's `--json` documents, the C client's `info`, the guest's console.
@Suite struct SlowSoftResetJudgeTests {
  // MARK: Facts as dom0 records them

  func context() throws -> JudgeContext {
    let lab = try LabTable.decode(
      #"""
      {"suites": {"trixie": {"debian": 13}}, "kernels": {"6.12": {"suite": "trixie"}},
       "labs": [{"xen": "4.20", "suite": "trixie", "kernel": "6.12",
                 "guests": [{"name": "pvh", "type": "pvh", "kernel": "6.12", "role": "main"}]}]}
      """#
    ).lab(xen: "4.20")
    return JudgeContext(lab: lab, guest: lab.guest("pvh"))
  }

  func xenResume(_ arguments: String, rc: Int32? = 0, _ stdout: String, stderr: String = "") -> CommandRecord {
    CommandRecord(
      cmd: "/usr/bin/xen-resume \(arguments)", tool: .xenResume, rc: rc, timedOut: false, stdout: stdout,
      stderr: stderr, ms: 40)
  }

  /// A suspend on the xenstore path, acknowledged by the guest.
  func suspend() -> CommandRecord {
    xenResume(
      "suspend 7 --json",
      #"{"backend":"xen","domain":7,"durationMicroseconds":90000.0,"guestType":"pvh","path":"xenstoreControl","#
        + #""stages":[{"stage":"planned","microseconds":100.0},{"stage":"requestWritten","microseconds":900.0},"#
        + #"{"stage":"acknowledged","microseconds":40000.0},{"stage":"suspended","microseconds":49000.0}]}"#)
  }

  /// The soft-reset resume as the CLI reports it.
  let softResume = CommandRecord(
    cmd: "/usr/bin/xen-resume resume 7 --slow --json", tool: .xenResume, rc: 0, timedOut: false,
    stdout: #"{"backend":"xen","domain":7,"durationMicroseconds":5000.0,"mode":"slow","stages":["#
      + #"{"stage":"stateChecked","microseconds":300.0},{"stage":"softReset","microseconds":1200.0},"#
      + #"{"stage":"channelsRebuilt","microseconds":3000.0},{"stage":"domainResumed","microseconds":400.0},"#
      + #"{"stage":"xenstoreResumed","microseconds":100.0}]}"#,
    stderr: "", ms: 30)

  let fastResume = CommandRecord(
    cmd: "/usr/bin/xen-resume resume 7 --fast --json", tool: .xenResume, rc: 0, timedOut: false,
    stdout: #"{"backend":"xen","domain":7,"durationMicroseconds":900.0,"mode":"fast","stages":["#
      + #"{"stage":"stateChecked","microseconds":300.0},{"stage":"returnRegisterSet","microseconds":200.0},"#
      + #"{"stage":"domainResumed","microseconds":300.0},{"stage":"xenstoreResumed","microseconds":100.0}]}"#,
    stderr: "", ms: 20)

  func running() -> DomainView { DomainView(state: "running", shutdownReason: nil, hvm: true, paused: false) }

  /// The COLO check that held: the guest's value in its frame, the flipped value written and printed back.
  let colo = ColoFacts(
    frame: "0x1f2e3", guestValue: "0x5258434f4c4f3031", readBefore: "0x5258434f4c4f3031",
    written: "0xada7bcb0b3b0cfce", readBack: "0xada7bcb0b3b0cfce", error: nil, valuesAfter: ["0xada7bcb0b3b0cfce"])

  /// A PVH guest that came through everything.
  func survived() -> SlowSoftResetFacts {
    SlowSoftResetFacts(
      suspend: suspend(), resume: softResume, type: .pvh, kernel: "6.12", outcome: .alive, panic: nil, warning: nil,
      trouble: nil, notable: nil, counterBefore: 120, counterAfter: 127, watchState: running(),
      secondSuspend: suspend(), secondResume: fastResume, aliveAfterSecond: Liveness(alive: true, counter: "130->131"),
      recovered: nil, finalState: running(), aliveAtEnd: Liveness(alive: true, counter: "130->131"), colo: colo,
      console: "RX-COLO value=0xada7bcb0b3b0cfce\nRX-COUNTER 131 up=300.1\n")
  }

  // MARK: A pass needs every piece of evidence

  @Test func aGuestThatCameThroughEverythingPasses() throws {
    let facts = survived()
    #expect(facts.problems(in: try context()) == [])
    #expect(facts.matrixCell == "alive")
    #expect(facts.matrixNote == nil)
    #expect(
      facts.stages?.map(\.stage) == [
        "stateChecked", "softReset", "channelsRebuilt", "domainResumed", "xenstoreResumed",
      ])
    #expect(facts.consoleEvidence.hasPrefix("the PV console (hvc0"))
  }

  @Test func aPVHVMGuestsCounterIsSaidToComeOverTheEmulatedSerialPort() {
    let facts = SlowSoftResetFacts(
      suspend: suspend(), resume: softResume, type: .pvhvm, kernel: "6.12", outcome: .alive, panic: nil,
      warning: nil, trouble: nil, notable: nil, counterBefore: 1, counterAfter: 2, watchState: running(),
      secondSuspend: nil, secondResume: nil, aliveAfterSecond: nil, recovered: nil, finalState: running(),
      aliveAtEnd: nil, colo: nil, console: "")
    #expect(facts.consoleEvidence.hasPrefix("the emulated serial port (ttyS0"))
    #expect(facts.consoleEvidence.contains("not the PV console"))
  }

  @Test func anOutcomeSaidAliveWithoutTheCounterMovingFails() throws {
    var facts = survived()
    facts.counterAfter = facts.counterBefore
    #expect(
      facts.problems(in: try context()) == ["the console counter did not move after the soft-reset resume (120->120)"])
  }

  @Test func anAliveGuestWithoutTheSecondCycleFails() throws {
    var facts = survived()
    facts.secondSuspend = nil
    facts.secondResume = nil
    facts.aliveAfterSecond = nil
    #expect(facts.problems(in: try context()) == ["second suspend: not run"])
    #expect(facts.matrixCell == "alive; second suspend not run")
  }

  @Test func aSecondResumeWithoutTheCounterMovingAgainFails() throws {
    var facts = survived()
    facts.aliveAfterSecond = Liveness(alive: false, counter: "130->130 (no progress in 15s)")
    #expect(
      facts.problems(in: try context()) == [
        "guest after the second resume not alive afterwards (console counter 130->130 (no progress in 15s))"
      ])
    #expect(facts.matrixCell == "alive; dead after a second suspend and resume")
  }

  // MARK: Each failure says what went wrong

  @Test func aFailedSuspendRunsNothingAndSaysNothingAboutTheSoftReset() throws {
    var facts = survived()
    facts.suspend = xenResume(
      "suspend 7 --json", rc: 75, #"{"error":{"kind":"timeout","message":"domain 7 did not suspend within 30 s"}}"#,
      stderr: "xen-resume: error: domain 7 did not suspend within 30 s\n")
    facts.resume = nil
    facts.outcome = .hung
    #expect(
      facts.problems(in: try context()) == [
        "suspend: `/usr/bin/xen-resume suspend 7 --json` exit 75, expected exit 0: xen-resume: error: domain 7 did "
          + "not suspend within 30 s",
        "soft-reset resume: not run",
      ])
    #expect(facts.matrixCell == nil)
  }

  @Test func aFailedSoftResetResumeIsItsCell() throws {
    var facts = survived()
    facts.resume = xenResume(
      "resume 7 --slow --json", rc: 1,
      #"{"error":{"kind":"rebuildIncomplete","message":"xs_introduce_domain failed: ENOTCONN"}}"#,
      stderr: "xen-resume: error: xs_introduce_domain failed: ENOTCONN\n")
    facts.outcome = .hung
    #expect(
      facts.problems(in: try context()) == [
        "soft-reset resume: `/usr/bin/xen-resume resume 7 --slow --json` exit 1, expected exit 0: xen-resume: error: "
          + "xs_introduce_domain failed: ENOTCONN"
      ])
    #expect(facts.matrixCell == "resume failed: rebuildIncomplete")
  }

  @Test func aSlowResumeWithoutTheSoftResetStagesIsNoEvidence() throws {
    var facts = survived()
    facts.resume = xenResume(
      "resume 7 --slow --json",
      #"{"backend":"xen","domain":7,"durationMicroseconds":500.0,"mode":"slow","stages":["#
        + #"{"stage":"stateChecked","microseconds":300.0},{"stage":"domainResumed","microseconds":100.0},"#
        + #"{"stage":"xenstoreResumed","microseconds":100.0}]}"#)
    #expect(
      facts.problems(in: try context()) == [
        #"soft-reset resume: stages ["stateChecked", "domainResumed", "xenstoreResumed"] lack ["softReset", "#
          + #""channelsRebuilt"] in that order (a slow resume without a soft reset?)"#
      ])
    #expect(facts.matrixCell == nil)
  }

  @Test func aGuestThatDidNotSurviveFailsWithTheOutcomeInItsCell() throws {
    var facts = survived()
    facts.outcome = .panic
    facts.panic = "Attempted to kill init! exitcode=0x0000000b"
    facts.watchState = DomainView(state: "shutdown", shutdownReason: 3, hvm: true, paused: false)
    facts.finalState = facts.watchState
    #expect(
      facts.problems(in: try context()) == [
        "the guest did not survive the soft-reset resume: panic: Attempted to kill init! exitcode=0x0000000b; shut "
          + "down (crash)"
      ])
    #expect(facts.matrixCell == "panic: Attempted to kill init! exitcode=0x0000000b; shut down (crash)")

    var hung = survived()
    hung.outcome = .hung
    // Asked for a second suspend with a short timeout, as a silent guest is: it did not answer.
    hung.secondSuspend = xenResume(
      "suspend 7 --json --timeout 10s", rc: 75,
      #"{"error":{"kind":"timeout","message":"domain 7 did not suspend within 10 s"}}"#,
      stderr: "xen-resume: error: domain 7 did not suspend within 10 s\n")
    hung.secondResume = nil
    hung.aliveAfterSecond = nil
    hung.trouble = "BUG: kernel NULL pointer dereference, address: 0000000000000008"
    #expect(hung.problems(in: try context()) == ["the guest did not survive the soft-reset resume: hung"])
    #expect(hung.matrixCell == "hung")
    #expect(hung.matrixNote == "BUG: kernel NULL pointer dereference, address: 0000000000000008")
  }

  @Test func aSilentGuestThatAnsweredASecondSuspendIsToldFromADeadOne() throws {
    var facts = survived()
    facts.outcome = .hung
    facts.counterAfter = facts.counterBefore
    facts.aliveAfterSecond = Liveness(alive: false, counter: "120->120 (no progress in 15s)")
    #expect(
      facts.problems(in: try context()) == [
        "the guest did not survive the soft-reset resume: hung; console silent, yet it answered a second suspend"
      ])
    #expect(facts.matrixCell == "hung; console silent, yet it answered a second suspend")
  }

  @Test func aRefusedRegistrationIsAFailureEvenThoughTheGuestRunsOn() throws {
    var facts = survived()
    facts.outcome = .warned
    facts.warning = "xen: register_vcpu_info failed: cpu=0 err=-16"
    #expect(
      facts.problems(in: try context()) == [
        "after the soft-reset resume the guest's vcpu_info registration was refused: xen: register_vcpu_info failed: "
          + "cpu=0 err=-16"
      ])
    #expect(facts.matrixCell == "alive; warned: xen: register_vcpu_info failed: cpu=0 err=-16")
  }

  @Test func aSecondSuspendThatFailedOrWentAroundXenstoreFails() throws {
    var failed = survived()
    failed.secondSuspend = xenResume(
      "suspend 7 --json", rc: 75, #"{"error":{"kind":"timeout","message":"domain 7 did not suspend within 30 s"}}"#,
      stderr: "xen-resume: error: domain 7 did not suspend within 30 s\n")
    failed.secondResume = nil
    failed.aliveAfterSecond = nil
    #expect(
      failed.problems(in: try context()) == [
        "second suspend: `/usr/bin/xen-resume suspend 7 --json` exit 75, expected exit 0: xen-resume: error: domain "
          + "7 did not suspend within 30 s"
      ])
    #expect(failed.matrixCell == "alive; second suspend failed: timeout")

    var around = survived()
    around.secondSuspend = xenResume(
      "suspend 7 --json",
      #"{"backend":"xen","domain":7,"durationMicroseconds":900.0,"guestType":"pvh","path":"hypervisorShutdown","#
        + #""stages":[{"stage":"planned","microseconds":100.0},{"stage":"requestSent","microseconds":300.0},"#
        + #"{"stage":"suspended","microseconds":500.0}]}"#)
    #expect(
      around.problems(in: try context()) == [
        #"second suspend: path hypervisorShutdown, stages ["planned", "requestSent", "suspended"]: expected "#
          + "xenstoreControl, acknowledged by the guest through xenstore"
      ])
    #expect(around.matrixCell == "alive; second suspend through hypervisorShutdown")
  }

  @Test func aFailedSecondResumeFails() throws {
    var facts = survived()
    facts.secondResume = xenResume(
      "resume 7 --fast --json", rc: 1, #"{"error":{"kind":"hostCall","message":"xc_domain_resume failed: EINVAL"}}"#,
      stderr: "xen-resume: error: xc_domain_resume failed: EINVAL\n")
    facts.aliveAfterSecond = nil
    facts.recovered = "fast exit 0"
    #expect(
      facts.problems(in: try context()) == [
        "second (fast) resume: `/usr/bin/xen-resume resume 7 --fast --json` exit 1, expected exit 0: xen-resume: "
          + "error: xc_domain_resume failed: EINVAL"
      ])
    #expect(facts.matrixCell == "alive; second resume failed: hostCall")
  }

  @Test func aGuestNotRunningAtTheEndFails() throws {
    var facts = survived()
    facts.finalState = DomainView(state: "shutdown", shutdownReason: 2, hvm: true, paused: false)
    #expect(
      facts.problems(in: try context()) == [
        "at the end: Xen reports shutdown (reason 2), expected running"
      ])
  }

  // MARK: The COLO check

  @Test func aValueTheGuestNeverPrintedIsACOLOMismatch() throws {
    var facts = survived()
    facts.colo?.valuesAfter = []
    #expect(
      facts.problems(in: try context()) == [
        "COLO: the guest printed no value after the resume; dom0 wrote 0xada7bcb0b3b0cfce while it was suspended"
      ])
    #expect(facts.matrixCell == "alive; memory written while suspended not seen")

    facts.colo?.valuesAfter = ["0xada7bcb0b3b0cfce", "0x5258434f4c4f3031"]
    #expect(
      facts.problems(in: try context()) == [
        "COLO: the guest printed 0xada7bcb0b3b0cfce, 0x5258434f4c4f3031 after the resume; dom0 wrote "
          + "0xada7bcb0b3b0cfce"
      ])
  }

  @Test func aFrameThatIsNotTheGuestsPageIsLeftAloneAndFails() throws {
    var facts = survived()
    facts.colo = ColoFacts(
      frame: "0x1f2e3", guestValue: "0x5258434f4c4f3031", readBefore: "0x0000000000000000", written: nil,
      readBack: nil,
      error: "frame 0x1f2e3 holds 0x0000000000000000, the guest printed 0x5258434f4c4f3031: not its page, nothing "
        + "written", valuesAfter: [])
    #expect(
      facts.problems(in: try context()) == [
        "COLO: frame 0x1f2e3 holds 0x0000000000000000, the guest printed 0x5258434f4c4f3031: not its page, nothing "
          + "written"
      ])
    #expect(facts.matrixCell == "alive; memory written while suspended not seen")
  }

  @Test func aWriteThatDidNotLandOrAGuestWithoutAPageFails() throws {
    var facts = survived()
    facts.colo?.readBack = "0x5258434f4c4f3031"
    #expect(
      facts.problems(in: try context()) == [
        "COLO: dom0 wrote 0xada7bcb0b3b0cfce into frame 0x1f2e3 and read back 0x5258434f4c4f3031"
      ])

    facts.colo = ColoFacts(
      frame: nil, guestValue: nil, readBefore: nil, written: nil, readBack: nil,
      error: "the guest announced no page (no `RX-COLO gfn=` line)", valuesAfter: [])
    #expect(
      facts.problems(in: try context()) == ["COLO: the guest announced no page (no `RX-COLO gfn=` line)"])

    facts.colo = nil
    #expect(facts.problems(in: try context()) == ["COLO: not run"])
  }

  // MARK: Reading the guest's rx-colo lines

  @Test func theConsoleGivesThePageAndTheValuesPrinted() {
    let boot = [
      "RX-GUEST started: console=hvc0 rx_colo rx_guest=pvh", "RX-COLO gfn=0x1f2e3 value=0x5258434f4c4f3031\r",
      "RX-COUNTER 1 up=20.12",
    ]
    #expect(ColoConsole.page(in: boot) == ColoConsole.Page(frame: 0x1f2e3, value: 0x5258_434f_4c4f_3031))
    // A later change is the page's value now.
    #expect(
      ColoConsole.page(in: boot + ["RX-COLO value=0x00000000000000ff"])
        == ColoConsole.Page(frame: 0x1f2e3, value: 0xff))
    #expect(
      ColoConsole.values(in: boot + ["RX-COUNTER 2", "RX-COLO value=0x00000000000000ff"]) == [
        0x5258_434f_4c4f_3031, 0xff,
      ])
    #expect(ColoConsole.page(in: ["RX-COUNTER 1 up=20.12"]) == nil)
    #expect(ColoConsole.failure(in: boot) == nil)
    #expect(
      ColoConsole.failure(in: ["RX-COLO failed: pagemap entry 0x0 names no frame"])
        == "pagemap entry 0x0 names no frame")
    #expect(ColoConsole.page(in: ["RX-COLO failed: mlock: Cannot allocate memory"]) == nil)
    #expect(ColoConsole.hex(0xff) == "0x00000000000000ff")
    #expect(ColoConsole.hex(~0x5258_434f_4c4f_3031) == "0xada7bcb0b3b0cfce")
  }

  @Test func theFactsRoundTripThroughTheResultLine() throws {
    let line = LabJSON.text(ScenarioResult(scenario: "slow-soft-reset", guest: "pvh", problems: [], facts: survived()))
    let recorded = try #require(LabJSON.decode(RecordedResult.self, from: line))
    let facts = try #require(recorded.facts(as: SlowSoftResetFacts.self))
    #expect(facts.colo == colo)
    #expect(facts.matrixCell == "alive")
    #expect(facts.problems(in: try context()) == [])
  }
}
