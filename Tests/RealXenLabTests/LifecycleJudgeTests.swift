import RealXenLab
import Testing

/// The lifecycle rows as dom0 judges them, from lines as `xen-resume-lifecycle` prints them (`LifecycleResult.json`:
/// keys in the order lifecycle, step, guest, domain, outcome, detail, milliseconds, facts).
@Suite struct LifecycleJudgeTests {
  @Test func aCompleteRunOverTheFourMainGuestsHasNoProblems() throws {
    let output = LifecycleJudge.read(life.run(), domains: life.domains)
    // foreign-suspend on four guests, the two PV-aware scenarios on three.
    #expect(output.scenarios.count == 4 + 3 + 3)
    for row in output.scenarios {
      #expect(life.problems(row).isEmpty, "\(row.scenario) [\(row.guest ?? "none")]: \(life.problems(row))")
    }
    let hvm = try #require(output.scenarios.first { $0.scenario == "foreign-suspend" && $0.guest == "hvm" })
    #expect(hvm.steps.map(\.step).last == "cycle-3", "round (b) needs a PV-aware guest")
    let summary = try #require(output.summary)
    #expect(summary.seen == OutcomeCounts(passed: 12 * 3 + 7 + 4 * 3, failed: 0, skipped: 3))
    #expect(summary.problems(in: life.dom0).isEmpty, "\(summary.problems(in: life.dom0))")
    let run = life.runFacts(life.run(), output)
    #expect(run.problems(in: life.dom0).isEmpty, "\(run.problems(in: life.dom0))")
    let reported =
      output.scenarios.map { ResultKey(LifecycleJudge.prefix + $0.scenario, $0.guest ?? "none") }
      + [ResultKey("lifecycle-summary", "dom0"), ResultKey("lifecycle-run", "dom0")]
    let expected = LifecycleJudge.expectedRows(mainGuests: life.mainGuests, runsLifecycle: true)
    #expect(
      Set(reported)
        == Set(expected.filter { $0.scenario != "lifecycle-alive" && !$0.scenario.contains("xenstored-lost") }))
    #expect(expected.contains(ResultKey("lifecycle/xenstored-lost", "pv")))
    #expect(expected.contains(ResultKey("xenstored-lost-run", "dom0")))
  }

  @Test func aLabWithoutTheLifecycleScenariosStillRunsXenstoredLost() {
    #expect(
      LifecycleJudge.expectedRows(mainGuests: life.mainGuests, runsLifecycle: false) == [
        ResultKey("xenstored-lost-run", "dom0"), ResultKey("lifecycle/xenstored-lost", "pv"),
      ])
  }

  @Test func aRowWhoseLaterStepsNeverCameIsJudgedWithThemMissing() throws {
    // The run was killed while pvh's round (a) waited on the controller's refusal.
    let lines = life.foreignSuspend("pvh").prefix(3)
    let run = life.run(stdout: lines.joined(separator: "\n") + "\n", rc: nil, timedOut: true)
    let output = LifecycleJudge.read(run, domains: life.domains)
    #expect(output.summary == nil)
    let row = try #require(output.scenarios.first)
    #expect(output.scenarios.count == 1, "only the row that had steps is recorded")
    #expect(
      life.problems(row) == ["refuse-suspend: not reported (an earlier step failed, or the run was cut short)"])
  }

  @Test func aFailedStepSaysSoAndTheStepsItStoppedFollow() throws {
    var lines = life.foreignSuspend("pv").prefix(2).map { $0 }
    lines[1] = life.step(
      "foreign-suspend", "cycle-2", "pv", outcome: "failed",
      detail: "suspend failed: domain 3 did not acknowledge the suspend request within 60 seconds",
      facts:
        #"{"suspendError":{"kind":"timedOut","domain":3,"description":"domain 3 did not acknowledge the suspend request within 60 seconds; the request was withdrawn and the domain is running"},"stateAfter":{"state":"running","flags":"0x0","handle":"6f1c","cpuTimeNs":812000000,"totalPages":32768},"alive":true,"counter":"212->213"}"#
    )
    let row = try #require(
      LifecycleJudge.read(life.run(stdout: lines.joined(separator: "\n")), domains: life.domains).scenarios.first)
    #expect(
      life.problems(row) == [
        "cycle-2: failed: suspend failed: domain 3 did not acknowledge the suspend request within 60 seconds",
        "cycle-2: suspend failed: \"domain 3 did not acknowledge the suspend request within 60 seconds; the request "
          + "was withdrawn and the domain is running\"",
        "other-suspends: not reported (an earlier step failed, or the run was cut short)",
      ])
  }

  @Test func onlyThePlanOfTheEventChannelScenarioMaySkipAndOnlyForItsReason() {
    let otherReason = life.row(
      "eventchannel-then-xenstore", "pv",
      [
        life.step(
          "eventchannel-then-xenstore", "plan", "pv", outcome: "skipped", detail: "not today",
          facts: #"{"path":"xenstoreControl","reason":"no suspend event channel advertised"}"#)
      ])
    #expect(life.problems(otherReason) == ["plan: skipped (not today)"])
    let cycleSkipped = life.row(
      "leftover-subscription", "pvh",
      Array(life.leftoverSubscription("pvh").prefix(3))
        + [life.step("leftover-subscription", "cycle-after", "pvh", outcome: "skipped", detail: "", facts: "{}")])
    #expect(life.problems(cycleSkipped) == ["cycle-after: skipped (no reason): this step may not be skipped"])
  }

  @Test func aPassedRefusalIsRecheckedFromItsFacts() {
    // The program said passed, but its facts show the controller resumed the guest and vcpu0's context changed.
    var lines = life.foreignSuspend("pv")
    lines[4] = life.step(
      "foreign-suspend", "refuse-resume", "pv", detail: "refused",
      facts:
        #"{"error":null,"stateAfter":{"state":"running","flags":"0x0","handle":"6f1c","cpuTimeNs":912000000,"totalPages":32768},"contextBefore":{"bytes":5168,"digest":"8d2f01c3a4b5e677","returnRegister":"0x0"},"contextAfter":{"bytes":5168,"digest":"11aa01c3a4b5e677","returnRegister":"0x1"},"contextChange":{"differingBytes":8,"firstOffsets":[80,81,82,83,84,85,86,87]}}"#
    )
    #expect(
      life.problems(life.row("foreign-suspend", "pv", lines)) == [
        "refuse-resume: expected a refusal, got success: none",
        "refuse-resume: domain \"running\" afterwards, expected suspended",
        "refuse-resume: vcpu0 context 8d2f01c3a4b5e677 -> 11aa01c3a4b5e677 (8 bytes differ; rax 0x0 -> 0x1)",
      ])
  }

  @Test func aLeftoverSubscriptionSuspendMustFinishWithinHalfItsTimeout() {
    var lines = life.leftoverSubscription("pvhvm")
    lines[1] = life.step(
      "leftover-subscription", "suspend", "pvhvm",
      facts:
        #"{"timeoutMilliseconds":30000,"suspend":{"path":"xenstoreControl","durationMicroseconds":16800000},"stateAfter":{"state":"running","flags":"0x0","handle":"77aa","cpuTimeNs":3400000000,"totalPages":65536},"alive":true,"counter":"640->641"}"#
    )
    #expect(
      life.problems(life.row("leftover-subscription", "pvhvm", lines)) == [
        "suspend: took 16800000 us, expected under half the timeout (15000000 us)"
      ])
  }

  @Test func aStepOnAnotherDomainThanDom0GaveFails() {
    let lines = life.leftoverSubscription("pvh").map { $0.replacing(#""domain":4"#, with: #""domain":9"#) }
    let problems = life.problems(life.row("leftover-subscription", "pvh", lines))
    #expect(problems.count == 4)
    #expect(problems.first == "other-subscribes: domain 9, dom0 gave 4")
    let stranger = LifecycleScenarioFacts(
      scenario: "leftover-subscription", guest: "pvh", givenDomain: nil,
      steps: LifecycleJudge.read(life.run(stdout: lines.joined(separator: "\n")), domains: [:]).scenarios[0].steps)
    #expect(life.problems(stranger) == ["guest \"pvh\" is not one dom0 gave the program"])
  }

  @Test func anUnknownOrRepeatedStepFails() {
    let lines =
      life.eventChannel("pv") + life.eventChannel("pv") + [
        life.step("eventchannel-then-xenstore", "bonus", "pv", facts: "{}")
      ]
    #expect(
      life.problems(life.row("eventchannel-then-xenstore", "pv", lines)) == [
        "plan: reported 2 times", "unknown step \"bonus\"",
      ])
  }

  @Test func aSummaryThatDoesNotMatchTheStepsOrTheExitStatusFails() throws {
    let stdout = life.lines().joined(separator: "\n") + "\n"
    let miscounted = try #require(
      LifecycleJudge.read(
        life.run(stdout: stdout + #"{"lifecycleSummary":{"passed":54,"failed":0,"skipped":3}}"#),
        domains: life.domains
      ).summary)
    #expect(
      miscounted.problems(in: life.dom0) == [
        #"summary {"failed":0,"passed":54,"skipped":3} does not match the step lines read (passed 55, failed 0, skipped 3)"#
      ])
    let exitOne = try #require(
      LifecycleJudge.read(life.run(stdout: stdout + life.summaryLine, rc: 1), domains: life.domains).summary)
    #expect(exitOne.problems(in: life.dom0) == ["exit status 1 with 0 failed (0 iff none failed)"])
  }

  @Test func theRunMustCoverEveryMainGuestAndExitZero() {
    let run = life.run(rc: 1)
    let output = LifecycleJudge.read(run, domains: life.domains)
    var facts = life.runFacts(run, output)
    facts.guests = ["pv", "pvh"]
    let problems = facts.problems(in: life.dom0)
    #expect(problems.count == 2)
    #expect(problems.first?.hasPrefix("xen-resume-lifecycle: `/usr/bin/xen-resume-lifecycle --guest 3:pv:") == true)
    #expect(problems.first?.hasSuffix("exit 1, expected exit 0") == true, "\(problems)")
    #expect(problems.last == #"run over ["pv", "pvh"], expected ["hvm", "pv", "pvh", "pvhvm"]"#)
  }

  @Test func xenstoredLostMustFailPromptlyNamingXenstore() throws {
    let output = LifecycleJudge.read(life.xenstoredLostRun(), domains: ["pv": 3])
    #expect(output.stepLines == 1)
    let row = try #require(output.scenarios.first)
    #expect(row.scenario == "xenstored-lost")
    #expect(life.problems(row).isEmpty, "\(life.problems(row))")
    let runFacts = XenStoredLostRunFacts(domid: 3, run: life.xenstoredLostRun(), stepLines: output.stepLines)
    #expect(runFacts.problems(in: life.dom0).isEmpty)

    let timedOut = life.row(
      "xenstored-lost", "pv",
      [
        life.step(
          "xenstored-lost", "suspend-while-xenstored-dies", "pv", outcome: "failed",
          detail: "timed out instead of noticing the lost xenstored",
          facts:
            #"{"stateBefore":{"state":"running","flags":"0x0","handle":"6f1c","cpuTimeNs":99000000000,"totalPages":32768},"timeoutMilliseconds":60000,"killed":"xenstored pid 301 (SIGKILL)","millisecondsAfterKill":58012,"error":{"kind":"timedOut","domain":3,"description":"domain 3 did not acknowledge the suspend request within 60 seconds; the request was withdrawn and the domain is paused"}}"#
        )
      ])
    #expect(
      life.problems(timedOut) == [
        "suspend-while-xenstored-dies: failed: timed out instead of noticing the lost xenstored",
        "suspend-while-xenstored-dies: expected an error about the lost xenstored, got timedOut: \"domain 3 did not "
          + "acknowledge the suspend request within 60 seconds; the request was withdrawn and the domain is paused\"",
        "suspend-while-xenstored-dies: failed 58012 ms after xenstored died (expected under 10 s)",
        "suspend-while-xenstored-dies: the error does not name xenstore",
      ])
  }

  @Test func theXenstoredLostRunMustEndByItselfWithItsOneStep() {
    let hung = CommandRecord(
      cmd: "/usr/bin/xen-resume-lifecycle --scenario xenstored-lost --guest 3:pv:/var/log/xen/console/guest-rx-pv.log",
      tool: .lifecycle, rc: nil, timedOut: true, stdout: "", stderr: "", ms: 120_000)
    let facts = XenStoredLostRunFacts(domid: 3, run: hung, stepLines: 0)
    let problems = facts.problems(in: life.dom0)
    #expect(problems.count == 2)
    #expect(problems.first?.contains("killed at dom0's time limit, expected exit 0 or 1") == true, "\(problems)")
    #expect(problems.last == "0 step lines, expected 1")
    #expect(
      XenStoredLostRunFacts(domid: nil, run: nil, stepLines: 0).problems(in: life.dom0) == [
        "not run: no PV guest booted"
      ])
  }

  @Test func aGuestMustKeepItsDomainIDThroughTheLifecycleScenarios() {
    let guest = JudgeContext(lab: life.lab, guest: life.lab.guest("pv"))
    let fine = LifecycleAliveFacts(
      domid: 3, domidNow: 3, liveness: Liveness(alive: true, counter: "901->902"),
      stateAfter: DomainView(state: "running"))
    #expect(fine.problems(in: guest).isEmpty)
    let replaced = LifecycleAliveFacts(
      domid: 3, domidNow: 11, liveness: Liveness(alive: true, counter: "3->4"), stateAfter: DomainView(state: "running")
    )
    #expect(replaced.problems(in: guest) == ["domain id 3 -> 11"])
    let gone = LifecycleAliveFacts(
      domid: 3, domidNow: nil, liveness: Liveness(alive: false, counter: "901->901 (no progress in 15s)"),
      stateAfter: nil)
    #expect(
      gone.problems(in: guest) == [
        "guest (domain 3) not alive afterwards (console counter 901->901 (no progress in 15s))",
        "after the lifecycle scenarios: Xen reports nothing (reason none), expected running",
        "domain id 3 -> none",
      ])
  }
}

private let life = LifecycleFixture()

/// The 4.17 lab's main guests as domains 3 to 6, and the lifecycle program's output over them.
private struct LifecycleFixture {
  let lab: Lab = LabJSON.decode(
    Lab.self,
    from: """
      {"xen":"4.17","suite":"bookworm","kernel":"6.1","lifecycle":true,"guests":[
        {"name":"hvm","type":"hvm","kernel":"6.1","role":"main"},
        {"name":"pvhvm","type":"pvhvm","kernel":"6.1","role":"main"},
        {"name":"pv","type":"pv","kernel":"6.1","role":"main"},
        {"name":"pvh","type":"pvh","kernel":"6.1","role":"main"},
        {"name":"throw","type":"pv","kernel":"6.1","role":"throwaway"}]}
      """)!
  let domains = ["pv": 3, "pvh": 4, "pvhvm": 5, "hvm": 6]
  let summaryLine = #"{"lifecycleSummary":{"passed":55,"failed":0,"skipped":3}}"#
  var mainGuests: [LabGuest] { LabPlan.mainGuests(lab.guests) }
  var dom0: JudgeContext { JudgeContext(lab: lab, guest: nil) }

  func problems(_ row: LifecycleScenarioFacts) -> [String] {
    row.problems(in: JudgeContext(lab: lab, guest: row.guest.flatMap(lab.guest)))
  }

  /// The row dom0 makes of `lines` (all of one scenario on one guest).
  func row(_ scenario: String, _ guest: String, _ lines: [String]) -> LifecycleScenarioFacts {
    let rows = LifecycleJudge.read(run(stdout: lines.joined(separator: "\n")), domains: domains).scenarios
    return rows.first { $0.scenario == scenario && $0.guest == guest }!
  }

  func step(
    _ scenario: String, _ step: String, _ guest: String, outcome: String = "passed", detail: String = "",
    milliseconds: Int = 2310, facts: String
  ) -> String {
    #"{"lifecycle":"\#(scenario)","step":"\#(step)","guest":"\#(guest)","domain":\#(domains[guest]!),"outcome":"\#(outcome)","detail":"\#(detail)","milliseconds":\#(milliseconds),"facts":\#(facts)}"#
  }

  func info(_ state: String) -> String {
    #"{"state":"\#(state)","flags":"\#(state == "suspended" ? "0x20005" : "0x0")","handle":"6f1c2b0e-2c4f-4d1e-9a53-0d6f4e1b7a10","cpuTimeNs":48213000000,"totalPages":32768}"#
  }

  func cycle(_ scenario: String, _ name: String, _ guest: String, path: String? = nil) -> String {
    let suspendPath = path ?? (guest == "hvm" ? "hypervisorShutdown" : "xenstoreControl")
    return step(
      scenario, name, guest, detail: "suspended and resumed fast; guest alive",
      facts:
        #"{"suspend":{"path":"\#(suspendPath)","durationMicroseconds":41870},"stateAfter":\#(info("running")),"alive":true,"counter":"412->413"}"#
    )
  }

  let context = #"{"bytes":5168,"digest":"8d2f01c3a4b5e677","returnRegister":"0x0"}"#

  func round(_ guest: String, prefix: String, refusal: String, how: String, resumed: String) -> [String] {
    let refused = { (name: String) in
      self.step(
        "foreign-suspend", refusal + name, guest,
        detail: "refused; the domain is still suspended, vcpu0's context unchanged",
        facts:
          #"{"error":{"kind":"refused","domain":\#(self.domains[guest]!),"description":"refused for domain \#(self.domains[guest]!): it was suspended by another toolstack; nothing was changed"},"stateAfter":\#(self.info("suspended")),"contextBefore":\#(self.context),"contextAfter":\#(self.context),"contextChange":{"differingBytes":0,"firstOffsets":[]}}"#
      )
    }
    return [
      step(
        "foreign-suspend", prefix + "suspends", guest, detail: "suspended by the other toolstack; paused",
        facts: #"{"how":"\#(how)","stateAfter":\#(info("suspended")),"context":\#(context)}"#),
      refused("refuse-suspend"), refused("refuse-resume"),
      step(
        "foreign-suspend", prefix + "resumes", guest, detail: "resumed by the other toolstack, unpaused; guest alive",
        facts: #"{"how":"\#(resumed)","stateAfter":\#(info("running")),"alive":true,"counter":"415->416"}"#),
    ]
  }

  func foreignSuspend(_ guest: String) -> [String] {
    var lines = [cycle("foreign-suspend", "cycle-1", guest), cycle("foreign-suspend", "cycle-2", guest)]
    lines += round(
      guest, prefix: "other-", refusal: "", how: "xc_domain_shutdown(suspend) through the other toolstack's connection",
      resumed: "resumedomain and XS_RESUME through the other toolstack's connection")
    lines.append(cycle("foreign-suspend", "cycle-3", guest))
    guard guest != "hvm" else { return lines }
    let domain = domains[guest]!
    lines += round(
      guest, prefix: "c-", refusal: "c-",
      how: "xc-suspend-resume suspend \(domain) --path xenstore --timeout-ms 60000: exit 0 in 803 ms: ",
      resumed: "xc-suspend-resume resume \(domain) --fast: exit 0 in 41 ms: ")
    lines.append(cycle("foreign-suspend", "cycle-4", guest))
    return lines
  }

  func leftoverSubscription(_ guest: String) -> [String] {
    [
      step(
        "leftover-subscription", "other-subscribes", guest,
        detail: "XEN_DOMCTL_subscribe with port 1023, never unsubscribed",
        milliseconds: 0, facts: #"{"port":1023}"#),
      step(
        "leftover-subscription", "suspend", guest,
        detail: "suspended promptly over xenstore and resumed fast; guest alive",
        facts:
          #"{"timeoutMilliseconds":30000,"suspend":{"path":"xenstoreControl","durationMicroseconds":52311},"stateAfter":\#(info("running")),"alive":true,"counter":"520->521"}"#
      ),
      step(
        "leftover-subscription", "other-unsubscribes", guest, detail: "subscription cleared (port 0)", milliseconds: 0,
        facts: "{}"),
      cycle("leftover-subscription", "cycle-after", guest),
    ]
  }

  func eventChannel(_ guest: String) -> [String] {
    let reason = "the guest advertises no suspend event channel (device/suspend/event-channel is empty)"
    return [
      step(
        "eventchannel-then-xenstore", "plan", guest, outcome: "skipped",
        detail: "\(reason) (plan: xenstoreControl: \(reason))", milliseconds: 1,
        facts: #"{"path":"xenstoreControl","reason":"\#(reason)"}"#)
    ]
  }

  /// A passing run's step lines, in the program's order: each scenario over its guests (interleaved, as they run at
  /// once).
  func lines() -> [String] {
    let all = ["pv", "pvh", "pvhvm", "hvm"]
    let pvAware = ["pv", "pvh", "pvhvm"]
    func interleaved(_ rows: [[String]]) -> [String] {
      (0..<(rows.map(\.count).max() ?? 0)).flatMap { index in rows.compactMap { index < $0.count ? $0[index] : nil } }
    }
    return interleaved(all.map(foreignSuspend)) + interleaved(pvAware.map(leftoverSubscription))
      + interleaved(pvAware.map(eventChannel))
  }

  func run(stdout: String? = nil, rc: Int32? = 0, timedOut: Bool = false) -> CommandRecord {
    CommandRecord(
      cmd: "/usr/bin/xen-resume-lifecycle --guest 3:pv:/var/log/xen/console/guest-rx-pv.log "
        + "--guest 4:pvh:/var/log/xen/console/guest-rx-pvh.log --guest 5:pvhvm:/var/log/xen/serial-rx-pvhvm.log "
        + "--guest 6:hvm:/var/log/xen/serial-rx-hvm.log --scenario foreign-suspend --scenario leftover-subscription "
        + "--scenario eventchannel-then-xenstore",
      tool: .lifecycle, rc: rc, timedOut: timedOut,
      stdout: stdout ?? (lines() + [summaryLine]).joined(separator: "\n") + "\n", stderr: "", ms: 301_554)
  }

  func runFacts(_ run: CommandRecord, _ output: LifecycleJudge.Output) -> ProgramRunFacts {
    ProgramRunFacts(
      program: .lifecycle, run: run, guests: ["pv", "pvh", "pvhvm", "hvm"], expectedGuests: mainGuests.map(\.name),
      domains: domains, resultLines: output.resultLines, otherStdout: output.otherStdout)
  }

  func xenstoredLostRun() -> CommandRecord {
    let line = step(
      "xenstored-lost", "suspend-while-xenstored-dies", "pv",
      detail: "failed 4 milliseconds after xenstored died, naming the lost connection", milliseconds: 2013,
      facts:
        #"{"stateBefore":\#(info("running")),"timeoutMilliseconds":60000,"killed":"xenstored pid 301 (SIGKILL)","millisecondsAfterKill":4,"error":{"kind":"hostCall","description":"xs_read /local/domain/3/control/shutdown: the xenstore connection was lost (EIO); domain is paused"}}"#
    )
    return CommandRecord(
      cmd: "/usr/bin/xen-resume-lifecycle --scenario xenstored-lost --guest 3:pv:/var/log/xen/console/guest-rx-pv.log",
      tool: .lifecycle, rc: 0, timedOut: false,
      stdout: line + "\n" + #"{"lifecycleSummary":{"passed":1,"failed":0,"skipped":0}}"# + "\n", stderr: "",
      ms: 2_310)
  }
}
