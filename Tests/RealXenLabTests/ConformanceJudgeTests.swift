import RealXenLab
import Testing

/// The conformance suite's rows as dom0 judges them, from lines as `xen-host-conformance` prints them
/// (`ConformanceResult` and `ConformanceSummary` through JSONEncoder: keys in declaration order, `null` guest and
/// domain for host-wide checks).
@Suite struct ConformanceJudgeTests {
  @Test func aCompleteRunOverTheFourMainGuestsHasNoProblems() throws {
    let output = ConformanceJudge.read(fixture.run(), domains: fixture.domains)
    #expect(output.checks.count == 47)
    for check in output.checks {
      #expect(fixture.problems(check).isEmpty, "\(check.line.check) [\(check.line.guest ?? "none")]")
    }
    let summary = try #require(output.summary)
    #expect(summary.seen == OutcomeCounts(passed: 42, failed: 0, skipped: 5))
    #expect(summary.problems(in: fixture.dom0).isEmpty, "\(summary.problems(in: fixture.dom0))")
    #expect(output.otherStdout.isEmpty)
    #expect(output.resultLines == 48)
    let run = fixture.runFacts(fixture.run(), output)
    #expect(run.problems(in: fixture.dom0).isEmpty, "\(run.problems(in: fixture.dom0))")
    // Every row the plan expects but the alive ones (dom0 observes those itself) comes from these lines.
    let reported =
      output.checks.map { ResultKey(ConformanceJudge.prefix + $0.line.check, $0.line.guest ?? "none") }
      + [ResultKey("conformance-summary", "dom0"), ResultKey("conformance-run", "dom0")]
    let expected = ConformanceJudge.expectedRows(mainGuests: fixture.mainGuests)
    #expect(Set(reported) == Set(expected.filter { $0.scenario != "conformance-alive" }))
    #expect(expected.count == 2 + 7 + 10 * 4 + 4)
  }

  @Test func theBoundPortCheckMaySkipOnlyForWantOfASuspendEventChannel() {
    let allowed = fixture.check(boundPort, guest: "pv", outcome: "skipped", detail: noChannel)
    #expect(fixture.problems(allowed).isEmpty)
    let otherReason = fixture.check(
      boundPort, guest: "pv", outcome: "skipped", detail: "the guest is paused, not running: left alone")
    #expect(fixture.problems(otherReason).contains { $0.contains("must say \"suspend event channel\"") })
  }

  @Test func theSoftResetCheckMaySkipOnlyBecauseXenHasNoSoftResetForPV() {
    let allowed = fixture.check(softReset, guest: "pv", outcome: "skipped", detail: noSoftReset)
    #expect(fixture.problems(allowed).isEmpty)
    let otherReason = fixture.check(softReset, guest: "pvh", outcome: "skipped", detail: "the guest is not running")
    #expect(fixture.problems(otherReason).contains { $0.contains("must say \"Xen has no soft reset for PV\"") })
  }

  @Test func noOtherCheckMaySkip() {
    let skipped = fixture.check(
      "suspend-lock.exclusive", guest: "pvh", outcome: "skipped",
      detail: "another toolstack holds domain 4's suspend lock")
    let problems = fixture.problems(skipped)
    #expect(problems.contains { $0.hasPrefix("skipped (another toolstack holds") && $0.contains("only the checks") })
    let missingExists = fixture.check(
      "domains.missing-domain-is-esrch", guest: nil, outcome: "skipped",
      detail: "domain 31999 exists (running): choose a missing domain that does not")
    #expect(!fixture.problems(missingExists).isEmpty)
  }

  @Test func aFailedCheckSaysWhatFailed() {
    let failed = fixture.check(
      "watches.release-domain-rearmed-by-xs-resume", guest: "pvhvm", outcome: "failed",
      detail: "@releaseDomain fired without XS_RESUME")
    #expect(fixture.problems(failed) == ["failed: @releaseDomain fired without XS_RESUME"])
  }

  @Test func aCheckOnAnotherDomainThanDom0GaveFails() {
    let moved = ConformanceCheckFacts(
      line: ConformanceCheckLine(
        check: "vcpus.context-round-trip", guest: "pv", domain: 7, outcome: "passed",
        detail: "x86_64 context of 5168 bytes; return register 1 read back, restored", milliseconds: 41),
      givenDomain: 3)
    #expect(fixture.problems(moved) == ["domain 7, but dom0 gave pv as domain 3"])
    let stranger = fixture.check("vcpus.context-round-trip", guest: "pv", domain: 3, given: .some(nil))
    #expect(fixture.problems(stranger) == ["guest \"pv\" is not one dom0 gave the suite"])
  }

  @Test func aMalformedOrRepeatedLineFails() {
    let output = ConformanceJudge.read(
      fixture.run(
        stdout: """
          {"check":"xenstore.missing-node","guest":null,"domain":null,"outcome":"passed","detail":"read nil, rm succeeded, still missing","milliseconds":3}
          {"check":"xenstore.missing-node","guest":null,"domain":null,"outcome":"passed","detail":"read nil, rm succeeded, still missing","milliseconds":2}
          {"check":"xenstore.write-then-read","guest":null,"domain":null,"outcome":"maybe","detail":"","milliseconds":"soon"}
          """),
      domains: fixture.domains)
    #expect(output.checks.count == 2)
    #expect(fixture.problems(output.checks[0]) == ["reported 2 times"])
    #expect(
      fixture.problems(output.checks[1]) == [
        "outcome \"maybe\", expected one of passed, failed, skipped", "no milliseconds",
      ])
  }

  @Test func aSummaryThatDoesNotMatchTheLinesFails() throws {
    // The lines say 42 passed and 5 skipped.
    let miscounted = try #require(
      ConformanceJudge.read(
        fixture.run(summary: #"{"summary":{"passed":43,"failed":0,"skipped":4}}"#), domains: fixture.domains
      ).summary)
    #expect(
      miscounted.problems(in: fixture.dom0) == [
        #"summary {"failed":0,"passed":43,"skipped":4} does not match the check lines read (passed 42, failed 0, skipped 5)"#
      ])
    let twice = try #require(
      ConformanceJudge.read(
        fixture.run(summary: summaryLine + "\n" + summaryLine), domains: fixture.domains
      ).summary)
    #expect(twice.problems(in: fixture.dom0) == ["2 summary lines, expected 1"])
  }

  @Test func theExitStatusMustSayWhetherAnythingFailed() throws {
    var lines = fixture.lines()
    lines[10] = lines[10].replacing(#""outcome":"passed""#, with: #""outcome":"failed""#)
    let stdout = (lines + [#"{"summary":{"passed":41,"failed":1,"skipped":5}}"#]).joined(separator: "\n")
    let summary = try #require(
      ConformanceJudge.read(fixture.run(stdout: stdout, rc: 0), domains: fixture.domains).summary)
    #expect(
      summary.problems(in: fixture.dom0) == [
        "summary says 1 failed", "exit status 0 with 1 failed (0 iff none failed)",
      ])
    let honest = try #require(
      ConformanceJudge.read(fixture.run(stdout: stdout, rc: 1), domains: fixture.domains).summary)
    #expect(honest.problems(in: fixture.dom0) == ["summary says 1 failed"])
  }

  @Test func aRunCutShortReportsOnlyTheChecksThatCame() {
    let stdout = fixture.lines().prefix(12).joined(separator: "\n") + "\n"
    let run = fixture.run(stdout: stdout, rc: nil, timedOut: true)
    let output = ConformanceJudge.read(run, domains: fixture.domains)
    #expect(output.checks.count == 12)
    #expect(output.summary == nil, "no summary row: the report marks it missing")
    let problems = fixture.runFacts(run, output).problems(in: fixture.dom0)
    #expect(problems.count == 1)
    #expect(problems.first?.contains("killed at dom0's time limit, expected exit 0") == true, "\(problems)")
  }

  @Test func theRunMustCoverEveryMainGuestAndPrintOnlyItsLines() {
    let stdout = "warning: something printed on stdout\n" + fixture.lines().joined(separator: "\n")
    let output = ConformanceJudge.read(fixture.run(stdout: stdout), domains: fixture.domains)
    #expect(output.otherStdout == ["warning: something printed on stdout"])
    var facts = fixture.runFacts(fixture.run(stdout: stdout), output)
    facts.guests = ["pv", "pvh", "pvhvm"]
    #expect(
      facts.problems(in: fixture.dom0) == [
        #"run over ["pv", "pvh", "pvhvm"], expected ["hvm", "pv", "pvh", "pvhvm"]"#,
        "stdout lines that are not its JSON lines: warning: something printed on stdout",
      ])
  }

  @Test func theSuiteIsNotRunWhenTheMissingDomainExists() {
    let facts = ProgramRunFacts(
      program: .conformance, run: nil, guests: ["pv", "pvh", "pvhvm", "hvm"],
      expectedGuests: ["pv", "pvh", "pvhvm", "hvm"], domains: fixture.domains, missingDomain: 31999,
      missingDomainUnused: false, resultLines: 0, otherStdout: [])
    #expect(
      facts.problems(in: fixture.dom0) == ["not run: domain 31999 exists (the suite needs an id no domain has)"])
  }

  @Test func aGuestMustBeAliveAndRunningAfterTheSuite() {
    let guest = JudgeContext(lab: fixture.lab, guest: fixture.mainGuests[0])
    let fine = ConformanceAliveFacts(
      domid: 3, liveness: Liveness(alive: true, counter: "812->813"), stateAfter: DomainView(state: "running"))
    #expect(fine.problems(in: guest).isEmpty)
    let stuck = ConformanceAliveFacts(
      domid: 3, liveness: Liveness(alive: false, counter: "812->812 (no progress in 15s)"),
      stateAfter: DomainView(state: "shutdown", shutdownReason: 2))
    #expect(
      stuck.problems(in: guest) == [
        "guest (domain 3) not alive afterwards (console counter 812->812 (no progress in 15s))",
        "after the conformance suite: Xen reports shutdown (reason 2), expected running",
      ])
  }
}

private let boundPort = "event-channels.suspend-subscription-signals-bound-port"
private let softReset = "domains.soft-reset-needs-suspended-domain"
private let noSoftReset = "PV: Xen has no soft reset for PV domains"
private let noChannel = #"the guest advertises no suspend event channel (device/suspend/event-channel is "")"#
private let summaryLine = #"{"summary":{"passed":42,"failed":0,"skipped":5}}"#
private let fixture = ConformanceFixture()

/// The 4.17 lab's main guests as domains 3 to 6, and the suite's output over them.
private struct ConformanceFixture {
  let lab: Lab = LabJSON.decode(
    Lab.self,
    from: """
      {"xen":"4.17","suite":"bookworm","kernel":"6.1","guests":[
        {"name":"hvm","type":"hvm","kernel":"6.1","role":"main"},
        {"name":"pvhvm","type":"pvhvm","kernel":"6.1","role":"main"},
        {"name":"pv","type":"pv","kernel":"6.1","role":"main"},
        {"name":"pvh","type":"pvh","kernel":"6.1","role":"main"},
        {"name":"throw","type":"pv","kernel":"6.1","role":"throwaway"}]}
      """)!
  let domains = ["pv": 3, "pvh": 4, "pvhvm": 5, "hvm": 6]
  var mainGuests: [LabGuest] { LabPlan.mainGuests(lab.guests) }
  var dom0: JudgeContext { JudgeContext(lab: lab, guest: nil) }

  func problems(_ check: ConformanceCheckFacts) -> [String] {
    check.problems(in: JudgeContext(lab: lab, guest: check.line.guest.flatMap(lab.guest)))
  }

  func check(
    _ name: String, guest: String?, domain: Int? = nil, given: Int?? = .none, outcome: String = "passed",
    detail: String = "seen"
  ) -> ConformanceCheckFacts {
    let domain = domain ?? guest.flatMap { domains[$0] }
    return ConformanceCheckFacts(
      line: ConformanceCheckLine(
        check: name, guest: guest, domain: domain, outcome: outcome, detail: detail, milliseconds: 12),
      givenDomain: given ?? guest.flatMap { domains[$0] })
  }

  /// The check lines of a passing run, in the suite's order: the host-wide checks, then each check on every guest.
  func lines() -> [String] {
    let host = [
      ("domains.missing-domain-is-esrch", "domain 31999: ESRCH from domaininfo and from xenstore's introduce"),
      ("xenstore.missing-node", "read nil, rm succeeded, still missing"),
      ("xenstore.write-then-read", #"\"suspend\" and \"\" read back as written"#),
      ("xenstore.transaction-conflict-eagain", "first commit applied, second EAGAIN"),
      ("xenstore.transaction-abort-discards", "the write stayed inside the transaction and was dropped"),
      ("watches.new-watch-fires-once", "one event, /rx-conformance/watch, then quiet for 2.0 seconds"),
      (
        "watches.watch-fires-on-change-below",
        "write and rm of /rx-conformance/below/child each fired an event naming it"
      ),
    ].map {
      #"{"check":"\#($0.0)","guest":null,"domain":null,"outcome":"passed","detail":"\#($0.1)","milliseconds":4}"#
    }
    let perGuest: [(String, (String) -> String)] = [
      ("domains.guest-type-matches-xen", { $0 == "pv" ? "PV: no HVM container" : "\($0): HVM container" }),
      ("domains.resume-of-running-domain-changes-nothing", { _ in "still running" }),
      ("domains.hvm-parameter-needs-hvm-container", { _ in "HVM container: HVM_PARAM_ACPI_S_STATE reads 0" }),
      (softReset, { guest in "EINVAL; still running, store port 1 bound to domain 0's port \(guest.count)" }),
      ("vcpus.context-round-trip", { _ in "x86_64 context of 5168 bytes; return register 1 read back, restored" }),
      (
        "watches.release-domain-fires-on-suspend",
        { _ in "suspended through control/shutdown, @releaseDomain fired, resumed" }
      ),
      (
        "watches.release-domain-rearmed-by-xs-resume",
        { _ in "fired, silent without XS_RESUME for 2.0 seconds, fired again after it" }
      ),
      (
        "event-channels.suspend-subscription-replaces-release-domain",
        { _ in "port 1023: silent for 2.0 seconds; port 0: @releaseDomain fired" }
      ),
      (boundPort, { _ in "" }),
      ("suspend-lock.exclusive", { _ in "second acquire EAGAIN; release, acquire and release again succeeded" }),
    ]
    var lines = host
    for (name, detail) in perGuest {
      for guest in ["pv", "pvh", "pvhvm", "hvm"] {
        let skipReason = name == boundPort ? noChannel : name == softReset && guest == "pv" ? noSoftReset : nil
        let skipped = skipReason != nil
        let text = skipReason?.replacing("\"", with: "\\\"") ?? detail(guest)
        lines.append(
          #"{"check":"\#(name)","guest":"\#(guest)","domain":\#(domains[guest]!),"outcome":"\#(skipped ? "skipped" : "passed")","detail":"\#(text)","milliseconds":\#(skipped ? 1 : 2140)}"#
        )
      }
    }
    return lines
  }

  func run(
    stdout: String? = nil, summary: String = summaryLine, rc: Int32? = 0, timedOut: Bool = false
  ) -> CommandRecord {
    CommandRecord(
      cmd: "/usr/bin/xen-host-conformance --guest 3:pv --guest 4:pvh --guest 5:pvhvm --guest 6:hvm "
        + "--missing-domain 31999 --timeout-seconds 60",
      tool: .conformance, rc: rc, timedOut: timedOut,
      stdout: stdout ?? (lines() + [summary]).joined(separator: "\n") + "\n", stderr: "", ms: 412_003)
  }

  func runFacts(_ run: CommandRecord, _ output: ConformanceJudge.Output) -> ProgramRunFacts {
    ProgramRunFacts(
      program: .conformance, run: run, guests: ["pv", "pvh", "pvhvm", "hvm"],
      expectedGuests: mainGuests.map(\.name), domains: domains, missingDomain: 31999, missingDomainUnused: true,
      resultLines: output.resultLines, otherStdout: output.otherStdout)
  }
}
