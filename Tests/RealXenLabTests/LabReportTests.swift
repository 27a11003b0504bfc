import RealXenLab
import Testing

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The report on the host: result lines read back from a serial log (repaired where another writer cut into them), one
/// verdict per expected row, the table, the failures, the pause times, the notes, the survival matrix's cells, and
/// `N passed, M failed` last.
@Suite struct LabReportTests {
  // MARK: A small lab and its serial log

  /// Xen 4.17 with a main PV and HVM guest, the throwaway PV guest and a PV guest for Linux 5.10.
  func lab() throws -> Lab {
    try LabTable.decode(
      #"""
      {"suites": {"bullseye": {"debian": 11}, "bookworm": {"debian": 12}},
       "kernels": {"5.10": {"suite": "bullseye"}, "6.1": {"suite": "bookworm"}},
       "labs": [{"xen": "4.17", "suite": "bookworm", "kernel": "6.1", "lifecycle": false,
                 "guests": [{"name": "hvm", "type": "hvm", "kernel": "6.1", "role": "main"},
                            {"name": "pv", "type": "pv", "kernel": "6.1", "role": "main"},
                            {"name": "throw", "type": "pv", "kernel": "6.1", "role": "throwaway"},
                            {"name": "pv510", "type": "pv", "kernel": "5.10", "role": "kernel"}]}]}
      """#
    ).lab(xen: "4.17")
  }

  /// One result as dom0's console prints it (after the marker).
  func line(_ scenario: String, _ guest: String, problems: [String] = [], facts: JSONDocument = .object([:])) -> String
  {
    LabJSON.text(ScenarioResult(scenario: scenario, guest: guest, problems: problems, facts: facts))
  }

  func line(_ scenario: String, _ guest: String, problems: [String] = [], _ facts: some ScenarioFacts) -> String {
    LabJSON.text(ScenarioResult(scenario: scenario, guest: guest, problems: problems, facts: facts))
  }

  /// Facts of a row the report reads nothing from.
  func plain(_ key: ResultKey) -> String { line(key.scenario, key.guest) }

  /// A serial log in which every expected row passed, with `special` results in place of the generic ones of their
  /// rows, and the console's other traffic around them.
  func log(
    _ lab: Lab, guests: [LabGuest]? = nil, replacing special: [ResultKey: [String]] = [:],
    dropping: Set<ResultKey> = []
  ) -> String {
    var lines = ["(XEN) Xen version 4.17.5", "[    0.000000] Linux version 6.1.0-37-amd64", "@@MARK dom0 up t=12.3"]
    for key in LabPlan.expected(lab: lab, guests: guests ?? lab.guests) where !dropping.contains(key) {
      lines += (special[key] ?? [plain(key)]).map { SerialLog.marker + $0 }
    }
    lines.append("@@MARK scenarios-done t=900.1")
    // The serial port writes CRLF.
    return lines.map { $0 + "\r\n" }.joined()
  }

  func expectedCount(_ lab: Lab) -> Int { LabPlan.expected(lab: lab, guests: lab.guests).count }

  func lastLine(_ report: LabReport) -> String {
    String(report.text.split(separator: "\n").last ?? "")
  }

  func record(_ stdout: String) -> CommandRecord {
    CommandRecord(
      cmd: "/usr/bin/xen-resume checkpoint 3 --count 10 --json", tool: .xenResume, rc: 0, timedOut: false,
      stdout: stdout, stderr: "", ms: 900)
  }

  /// xen-resume's checkpoint document for one block.
  func checkpointBlock(p50: Int, p90: Int, p99: Int, max: Int) -> CommandRecord {
    record(
      #"{"backend":"xen","count":10,"domain":3,"guestType":"pv","hostCalls":{"xc_domain_getinfo_single":40},"#
        + #""hostCallsPerCycle":9.0,"path":"xenstoreControl","pauseMicroseconds":{"max":\#(max),"mean":\#(p50 + 3),"#
        + #""min":\#(p50 - 20),"p50":\#(p50),"p90":\#(p90),"p99":\#(p99)},"succeeded":10}"#)
  }

  func boot(attempts: Int = 1, firstAttempt: String? = nil) -> BootFacts {
    BootFacts(
      domid: 3, createSeconds: 4.5, firstLineSeconds: 21.25, waitedSeconds: nil, startedAt: 30.5, attempts: attempts,
      firstAttempt: firstAttempt, xlCreate: nil, console: nil)
  }

  func slowOutcome(
    _ outcome: SlowOutcome, kernel: String, state: String, reason: Int?, panic: String? = nil,
    trouble: String? = nil
  ) -> SlowOutcomeFacts {
    SlowOutcomeFacts(
      suspend: record(
        #"{"backend":"xen","domain":5,"durationMicroseconds":40000.0,"guestType":"pv","path":"xenstoreControl"}"#),
      resume: record(#"{"backend":"xen","domain":5,"durationMicroseconds":1500.0,"mode":"slow"}"#), type: .pv,
      kernel: kernel, outcome: outcome, panic: panic, warning: nil, trouble: trouble, notable: nil, counter: "40->41",
      finalState: DomainView(state: state, shutdownReason: reason, hvm: false, paused: false), console: "")
  }

  // MARK: The last line

  @Test func aCompleteRunPassesEveryRow() throws {
    let lab = try lab()
    let report = LabReport(lab: lab, guests: lab.guests, log: log(lab))
    #expect(report.failed == 0)
    #expect(report.passed == expectedCount(lab))
    #expect(lastLine(report) == "\(expectedCount(lab)) passed, 0 failed")
    #expect(!report.text.contains("FAIL"))
  }

  @Test func missingFailedTwiceReportedExtraAndUnparsedRowsFail() throws {
    let lab = try lab()
    let fastFailed = line(
      "fast-cycles", "pv", problems: ["exit codes [0,0,0,1] over 2 cycles, expected 5 x (suspend 0, resume 0)"])
    let cutStatus = String(plain(ResultKey("status", "hvm")).dropLast(5))
    let text =
      log(
        lab,
        replacing: [
          ResultKey("fast-cycles", "pv"): [fastFailed],
          // Reported twice (a group ran twice?): a problem of the row, though both passed.
          ResultKey("registers", "hvm"): [plain(ResultKey("registers", "hvm")), plain(ResultKey("registers", "hvm"))],
          // A result line cut short with nothing foreign in it: nothing to repair.
          ResultKey("status", "hvm"): [cutStatus],
        ],
        dropping: [ResultKey("slow-outcome", "pv510")])
      + SerialLog.marker
      + line(
        "time-budget", "dom0", problems: ["dom0 deadline 1400 s reached: remaining scenarios skipped"],
        facts: .object(["deadline": .number(1400)])) + "\n"
    let report = LabReport(lab: lab, guests: lab.guests, log: text)
    let fails = report.text.split(separator: "\n").filter { $0.hasPrefix("FAIL ") }.map(String.init)
    #expect(
      fails == [
        "FAIL status [hvm]: missing: dom0 never reported it (guest did not boot, or the run was cut short)",
        "FAIL registers [hvm]: reported 2 times",
        "FAIL fast-cycles [pv]: exit codes [0,0,0,1] over 2 cycles, expected 5 x (suspend 0, resume 0)",
        "FAIL slow-outcome [pv510]: missing: dom0 never reported it (guest did not boot, or the run was cut short)",
        "FAIL time-budget [dom0]: dom0 deadline 1400 s reached: remaining scenarios skipped",
        "FAIL unparsed-result [none]: could not parse: @@RESULT " + cutStatus,
      ])
    // Rows: the expected ones, the extra time-budget row, the unparsed lines' row.
    #expect(report.failed == 6)
    #expect(report.passed == expectedCount(lab) - 4)
    #expect(lastLine(report) == "\(expectedCount(lab) - 4) passed, 6 failed")
  }

  // MARK: The serial log

  @Test func resultLinesOtherWritersCutIntoAreRepaired() {
    let result = line("boot", "pv", facts: .object(["domid": .number(3)]))
    let cut = result.index(result.startIndex, offsetBy: 30)
    let xen = "@@RESULT " + result[..<cut] + "(XEN) d3v0 vcpu_info registration refused\n" + result[cut...]
    let guest = "@@RESULT " + result[..<cut] + "(d12) [   95.1] Kernel panic\n" + result[cut...]
    let kernel =
      "@@RESULT " + result[..<cut] + "[   12.345678] xen:grant_table: Grant tables using version 1\n"
      + result[cut...]
    // Two writers, one after the other: repaired in two steps.
    let twice =
      "@@RESULT " + result[..<cut] + "(XEN) one\n" + result[cut..<result.index(cut, offsetBy: 10)]
      + "[   12.34] two\n" + result[result.index(cut, offsetBy: 10)...]
    for text in [xen, guest, kernel, twice] {
      let serial = SerialLog(text + "\n@@MARK next t=1.0\n")
      #expect(serial.unparsed == [], "\(text)")
      #expect(serial.results.map(\.key) == [ResultKey("boot", "pv")], "\(text)")
      #expect(serial.results.first?.facts["domid"]?.integer == 3)
    }
  }

  @Test func aCutIsFoundAfterTheKernelTimestampsOfTheResultsOwnConsoleExcerpt() {
    // Seen in the 4.20 lab: a slow-outcome result, its console excerpt full of escaped kernel lines, cut near its end
    // by Xen's "uart interrupt" line; the first timestamp-like text in the line is the result's own.
    let console = "36.324605]  xen_pv_post_suspend+0xb6/0x1e0\n[   36.324782]  xen_arch_post_suspend+0x21/0x30\n"
    let result = line(
      "slow-outcome", "throw", facts: .object(["console": .string(console), "outcome": .string("panic")]))
    let cut = result.index(result.endIndex, offsetBy: -12)
    let xen = "(XEN) uart interrupt taking more than 4ms, switched to polling\n"
    let serial = SerialLog(
      "@@RESULT " + result[..<cut] + xen + result[cut...] + "\n@@RESULT " + line("boot", "pv") + "\n")
    #expect(serial.unparsed == [])
    #expect(serial.results.map(\.key) == [ResultKey("slow-outcome", "throw"), ResultKey("boot", "pv")])
    #expect(serial.results.first?.facts["console"]?.string == console)
  }

  @Test func aLineThatCannotBeRepairedIsKeptAsAnExcerpt() {
    let result = line("status", "pv")
    let cut = String(result.prefix(40))
    // Cut short, and the next line is another result: both are read, the cut one as an excerpt.
    let serial = SerialLog("noise @@RESULT \(cut)\n@@RESULT \(line("boot", "pv"))\n@@RESULT [1,2]\n")
    #expect(serial.results.map(\.key) == [ResultKey("boot", "pv")])
    #expect(serial.unparsed == ["@@RESULT " + cut, "@@RESULT [1,2]"])
  }

  @Test func aRepairGivesUpAfterEightLines() {
    let result = line("boot", "pv")
    let cut = result.index(result.startIndex, offsetBy: 20)
    let fragments = (1...8).map { "(XEN) fragment \($0)\n" }.joined()
    let nine = SerialLog("@@RESULT " + result[..<cut] + fragments + result[cut...] + "\n")
    #expect(nine.results.isEmpty)
    #expect(nine.unparsed.count == 1)
    let seven = SerialLog(
      "@@RESULT " + result[..<cut] + fragments.dropFirst("(XEN) fragment 1\n".count) + result[cut...])
    #expect(seven.results.map(\.key) == [ResultKey("boot", "pv")])
  }

  // MARK: The table

  @Test func theTableHasARowPerScenarioAndAColumnPerGuest() throws {
    let lab = try lab()
    let key = ResultKey("conformance/event-channels.suspend-subscription-signals-bound-port", "pv")
    let skipped = line(
      key.scenario, key.guest,
      facts: .object([
        "line": .object(["outcome": .string("skipped"), "detail": .string("advertises no suspend event channel")])
      ]))
    let text = log(lab, replacing: [key: [skipped]])
    let report = LabReport(lab: lab, guests: lab.guests, log: text)
    let lines = report.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let header = try #require(lines.first { $0.hasPrefix("scenario") })
    #expect(
      header.split(separator: " ").map(String.init) == ["scenario", "pv", "hvm", "throw", "pv510", "dom0", "none"])
    let slowRefused = try #require(lines.first { $0.hasPrefix("slow-refused ") })
    #expect(slowRefused.split(separator: " ").map(String.init) == ["slow-refused", "ok", "-", "-", "ok", "-", "-"])
    let registers = try #require(lines.first { $0.hasPrefix("registers ") })
    #expect(registers.split(separator: " ").map(String.init) == ["registers", "ok", "ok", "-", "ok", "-", "-"])
    let conformance = try #require(lines.first { $0.hasPrefix(key.scenario + " ") })
    #expect(conformance.split(separator: " ").dropFirst().map(String.init) == ["skip", "ok", "-", "-", "-", "-"])
    // The columns line up.
    #expect(
      slowRefused.firstRange(of: "ok")?.lowerBound.utf16Offset(in: slowRefused)
        == header.firstRange(of: "pv")?
        .lowerBound.utf16Offset(in: header))
  }

  // MARK: The figures and notes

  @Test func pauseTimesComeFromTheCompareAndCheckpointFacts() throws {
    let lab = try lab()
    let compare = line(
      "compare", "pv510",
      facts: .object([
        "blocks": .number(3), "blockSize": .number(10), "swiftSucceeded": .number(30), "cSucceeded": .number(30),
        "swiftBlockP50": .array([.number(100), .number(120), .number(110)]),
        "cBlockP50": .array([.number(200), .number(220), .number(210), .number(230)]),
      ]))
    let checkpoint = line(
      "checkpoint", "pv510",
      facts: .object([
        "requested": .number(20), "blockSize": .number(10), "succeeded": .number(20),
        "blocks": .array(
          [
            checkpointBlock(p50: 100, p90: 150, p99: 300, max: 400),
            checkpointBlock(p50: 120, p90: 170, p99: 250, max: 900),
          ].map { JSONDocument.parse(LabJSON.text($0))! }),
      ]))
    // Another kernel's guest ran the lab's larger count, which the reduced-count note names.
    let largerCompare = line(
      "compare", "pv612",
      facts: .object([
        "blocks": .number(5), "blockSize": .number(10), "swiftSucceeded": .number(50), "cSucceeded": .number(50),
      ]))
    let pv612 = LabGuest(name: "pv612", type: .pv, kernel: "6.12", role: .kernel)
    let report = LabReport(
      lab: lab, guests: lab.guests + [pv612],
      log: log(
        lab, guests: lab.guests + [pv612],
        replacing: [
          ResultKey("compare", "pv510"): [compare], ResultKey("checkpoint", "pv510"): [checkpoint],
          ResultKey("compare", "pv612"): [largerCompare],
        ]))
    let lines = report.text.split(separator: "\n").map(String.init)
    // swift: median of 100, 120, 110; C: of 200, 220, 210, 230 (215); 110/215 = 0.51.
    // The script lines come from the paced comparison alone (its facts are empty here).
    #expect(!lines.contains { $0.hasPrefix("pause-ratio") })
    #expect(lines.contains("pv510   110                 215             0.51      110/170/300/900"))
    // Only the guests that ran the block comparison have a line in its table.
    #expect(!lines.contains { $0.hasPrefix("pv      ") || $0.hasPrefix("hvm     ") })
    #expect(!lines.contains { $0.contains("guest=throw") })
    #expect(lines.contains("note: pv510 ran reduced counts: 3 blocks of 10 checkpoint cycles per tool (50 elsewhere)"))
    #expect(!lines.contains { $0.hasPrefix("note: pv612") })
  }

  @Test func thePacedComparisonGivesTheTableTheCountsTheStagesAndOnePauseRatioLinePerGuest() throws {
    let lab = try lab()
    // `pause` is from the request; the tool reports its whole pause, `planned` (the reads before the request) more.
    func cycle(_ pause: Double, planned: Double, resume: [String: Double], cpu: Double) -> PacedCycleDocument {
      let stages = ["planned": planned, "requestWritten": 10.0, "acknowledged": pause - 40, "suspended": 5]
        .merging(resume) { $1 }
      let text = LabJSON.text(
        JSONDocument.object([
          "pauseMicroseconds": .number(pause + planned),
          "stageMicroseconds": .object(stages.mapValues { .number($0) }),
          "window": counts(cpu: cpu, voluntary: 6), "between": counts(cpu: 50, voluntary: 2),
        ]))
      return LabJSON.decode(PacedCycleDocument.self, from: text)!
    }
    func counts(cpu: Double, voluntary: Double) -> JSONDocument {
      .object([
        "userMicroseconds": .number(cpu / 2), "systemMicroseconds": .number(cpu / 2),
        "voluntarySwitches": .number(voluntary), "involuntarySwitches": .number(1), "wakeups": .number(voluntary + 1),
      ])
    }
    // From the request, xen-resume pauses 90..110 µs (median 100), the C client 190..210 (median 200); before it,
    // xen-resume reads for 150 µs and the C client for 20, which the comparison leaves out.
    let swift = (0..<21).map {
      cycle(
        90 + Double($0), planned: 150, resume: ["stateChecked": 2, "returnRegisterSet": 3, "domainResumed": 4],
        cpu: 300)
    }
    let c = (0..<21).map { cycle(190 + Double($0), planned: 20, resume: ["domainResumed": 12], cpu: 100) }
    let facts = PauseCompareFacts(
      path: "xenstoreControl", wanted: 21, cutByBudget: false, budgetSeconds: 300, seed: 7,
      swift: PacedToolSummary(swift),
      c: PacedToolSummary(
        c,
        syscalls: SyscallCounts(
          cycles: 10, perCycle: 12.5, top: [.init(name: "ioctl", perCycle: 6), .init(name: "poll", perCycle: 3)])),
      swiftExit: 0, cExit: 0,
      liveness: Liveness(alive: true, counter: "1->2"), recovered: nil)
    let report = LabReport(
      lab: lab, guests: lab.guests,
      log: log(lab, replacing: [ResultKey("pause-compare", "pv"): [line("pause-compare", "pv", facts)]]))
    let lines = report.text.split(separator: "\n").map(String.init)
    let ratioLine = try #require(lines.first { $0.hasPrefix("pause-ratio xen=4.17 guest=pv ") })
    #expect(ratioLine.hasPrefix("pause-ratio xen=4.17 guest=pv path=xenstoreControl swift-p50-us=100 c-p50-us=200 "))
    #expect(ratioLine.contains(" ratio=0.50 "))
    #expect(ratioLine.hasSuffix(" cycles=21"))
    let interval = try #require(ratioLine.firstRange(of: "ci95=").map { ratioLine[$0.upperBound...] })
    let bounds = try #require(interval.split(separator: " ").first?.split(separator: "..").compactMap { Double($0) })
    #expect(bounds.count == 2 && bounds[0] <= 0.5 && 0.5 <= bounds[1] && bounds[1] < 0.6, "\(ratioLine)")
    #expect(lines.contains { $0.hasPrefix("pv       xenstoreControl    21/21         100/108/110") })
    // dom0 per cycle: CPU user+system, switches and wake-ups over the pause, then between pauses.
    #expect(lines.contains("pv       xen-resume  300     6.0    1.0    7.0      | 50    2.0    1.0    3.0      | n/a"))
    // System calls from the traced run: the total and the most frequent.
    #expect(
      lines.contains(
        "pv       C           100     6.0    1.0    7.0      | 50    2.0    1.0    3.0      | 12.5 (ioctl 6.0, poll 3.0)"
      ))
    // The pause table says what it measures.
    #expect(lines.contains { $0.hasPrefix("Pause time (microseconds, from the request until the resume returned") })
    // The stages: planned first, then the request alone; the common resume stage adds xen-resume's three resume
    // stages (2 + 3 + 4).
    #expect(lines.contains("guest    tool        planned  request  acknowledged  suspended  resume   XS_RESUME"))
    #expect(lines.contains("pv       xen-resume  150      10       60            5          9        -"))
    #expect(lines.contains("pv       C           20       10       160           5          12       -"))
    // Only the guest that ran it has a line.
    #expect(lines.filter { $0.hasPrefix("pause-ratio") }.count == 1)
  }

  @Test func theBootAndDom0Lines() throws {
    let lab = try lab()
    let ready = Dom0ReadyFacts(
      uptime: 41.5, xenVersion: "4.17.5", virtCaps: "hvm hap",
      build: .object(["xen": .string("4.17.5+72-g01140da4e8")]),
      guests: lab.guests.map(\.name))
    let text = log(
      lab,
      replacing: [
        ResultKey("dom0-ready", "dom0"): [line("dom0-ready", "dom0", ready)],
        ResultKey("boot", "pv"): [line("boot", "pv", boot())],
        ResultKey("boot", "throw"): [line("boot", "throw", boot(attempts: 2, firstAttempt: "shutdown (reason 3)"))],
      ])
    let report = LabReport(lab: lab, guests: lab.guests, log: text, timings: #"{"xenToDom0":12.5}"# + "\n")
    let lines = report.text.split(separator: "\n").map(String.init)
    #expect(
      lines.contains(
        "note: throw booted on attempt 2: the first one ended shutdown (reason 3) before its first console line"))
    #expect(
      lines.contains(
        "Boot (dom0 clock): pv first line 21.3 s after xl create (create 4.5 s), hvm first line n/a s after xl "
          + "create (create n/a s), throw first line 21.3 s after xl create (create 4.5 s), pv510 first line n/a s "
          + "after xl create (create n/a s)"))
    #expect(lines.contains(#"dom0 ready at dom0 uptime 41.5 s; xen 4.17.5; build {"xen":"4.17.5+72-g01140da4e8"}"#))
    #expect(lines.contains(#"timings boot-timings.json: {"xenToDom0":12.5}"#))
    #expect(report.survivalJSON.contains(#""build":{"xen":"4.17.5+72-g01140da4e8"}"#))
  }

  // MARK: The survival matrix

  @Test func survivalCellsComeFromPassedResultsOnly() throws {
    let lab = try lab()
    let throwPanic = slowOutcome(
      .panic, kernel: "6.1", state: "shutdown", reason: 3, panic: "register_vcpu_info failed: cpu=0 err=-22")
    let pv510Hung = slowOutcome(
      .hung, kernel: "5.10", state: "running", reason: nil, trouble: "invalid opcode: 0000 [#1] SMP NOPTI")
    let text = log(
      lab,
      replacing: [
        ResultKey("slow-outcome", "throw"): [line("slow-outcome", "throw", throwPanic)],
        ResultKey("slow-outcome", "pv510"): [line("slow-outcome", "pv510", pv510Hung)],
        // A failed fast-cycles row observes nothing.
        ResultKey("fast-cycles", "pv510"): [line("fast-cycles", "pv510", problems: ["guest not alive afterwards"])],
      ])
    let report = LabReport(lab: lab, guests: lab.guests, log: text)
    #expect(
      report.cells == [
        SurvivalCell(
          type: .pv, kernel: "5.10", fast: "not observed", slow: "hung", slowNote: "invalid opcode: 0000 [#1] SMP NOPTI"
        ),
        SurvivalCell(
          type: .pv, kernel: "6.1", fast: "alive",
          slow: "panic: register_vcpu_info failed: cpu=0 err=-22; shut down (crash)"),
        SurvivalCell(type: .hvm, kernel: "6.1", fast: "alive", slow: "alive"),
      ])
    let lines = report.text.split(separator: "\n").map(String.init)
    #expect(
      lines.contains(
        "survival: pv Linux 6.1 on Xen 4.17: fast resume alive; same-domain slow resume panic: register_vcpu_info "
          + "failed: cpu=0 err=-22; shut down (crash)"))
    #expect(
      lines.contains("survival: pv Linux 5.10 on Xen 4.17: fast resume not observed; same-domain slow resume hung"))
    // The file matrix.py reads.
    let json = try #require(JSONDocument.parse(report.survivalJSON))
    #expect(json["xen"]?.string == "4.17")
    #expect(json["build"] == .null)
    let cells = try #require(json["cells"]?.array)
    #expect(cells.count == 3)
    #expect(cells[0]["slowNote"]?.string == "invalid opcode: 0000 [#1] SMP NOPTI")
    #expect(cells[1]["slowNote"] == nil)
    #expect(
      cells[2]
        == .object([
          "type": .string("hvm"), "kernel": .string("6.1"), "fast": .string("alive"), "slow": .string("alive"),
        ]))
  }

  @Test func aFailedSlowOutcomeIsNotObserved() throws {
    let lab = try lab()
    let failed = line(
      "slow-outcome", "throw", problems: ["slow resume: not run"],
      slowOutcome(.hung, kernel: "6.1", state: "running", reason: nil))
    let report = LabReport(
      lab: lab, guests: lab.guests, log: log(lab, replacing: [ResultKey("slow-outcome", "throw"): [failed]]))
    #expect(report.cells.first { $0.kernel == "6.1" && $0.type == .pv }?.slow == "not observed")
  }

  // MARK: The soft-reset cells

  /// Xen 4.20 with a main PV and PVH guest and a PVHVM guest for Linux 5.10.
  func softResetLab() throws -> Lab {
    try LabTable.decode(
      #"""
      {"suites": {"bullseye": {"debian": 11}, "trixie": {"debian": 13}},
       "kernels": {"5.10": {"suite": "bullseye"}, "6.12": {"suite": "trixie"}},
       "labs": [{"xen": "4.20", "suite": "trixie", "kernel": "6.12", "lifecycle": false,
                 "guests": [{"name": "pv", "type": "pv", "kernel": "6.12", "role": "main"},
                            {"name": "pvh", "type": "pvh", "kernel": "6.12", "role": "main"},
                            {"name": "pvhvm510", "type": "pvhvm", "kernel": "5.10", "role": "kernel"}]}]}
      """#
    ).lab(xen: "4.20")
  }

  /// A soft-reset resume that ended `outcome` (alive: and everything after it held).
  func softReset(_ outcome: SlowOutcome, kernel: String, trouble: String? = nil) -> SlowSoftResetFacts {
    let running = DomainView(state: "running", shutdownReason: nil, hvm: true, paused: false)
    let value = "0xada7bcb0b3b0cfce"
    return SlowSoftResetFacts(
      suspend: record(
        #"{"backend":"xen","domain":5,"durationMicroseconds":40000.0,"guestType":"pvh","path":"xenstoreControl","#
          + #""stages":[{"stage":"acknowledged","microseconds":39000.0}]}"#),
      resume: record(
        #"{"backend":"xen","domain":5,"durationMicroseconds":1500.0,"mode":"slow","stages":["#
          + #"{"stage":"softReset","microseconds":500.0},{"stage":"channelsRebuilt","microseconds":1000.0}]}"#),
      type: .pvh, kernel: kernel, outcome: outcome, panic: nil, warning: nil, trouble: trouble, notable: trouble,
      counterBefore: 40, counterAfter: outcome == .alive ? 47 : 40, watchState: running, secondSuspend: nil,
      secondResume: nil, aliveAfterSecond: nil, recovered: nil, finalState: running, aliveAtEnd: nil,
      colo: ColoFacts(
        frame: "0x1f2e3", guestValue: "0x5258434f4c4f3031", readBefore: "0x5258434f4c4f3031", written: value,
        readBack: value, error: nil, valuesAfter: outcome == .alive ? [value] : []),
      console: "")
  }

  @Test func theSoftResetCellIsTheFactsWordsWhateverTheVerdict() throws {
    let lab = try softResetLab()
    let hung = softReset(.hung, kernel: "6.12", trouble: "BUG: kernel NULL pointer dereference")
    let reason = "slow-soft-reset left the guest not running with its counter moving (Xen: running, counter 40->40)"
    let skipped = SlowOutcomeFacts.skipped(type: .pvh, kernel: "6.12", reason: reason, finalState: nil)
    // The second cycle never ran: a failed row whose cell still says what the soft reset did.
    let aliveOnce = softReset(.alive, kernel: "5.10")
    let text = log(
      lab,
      replacing: [
        ResultKey("slow-soft-reset", "pvh"): [
          line("slow-soft-reset", "pvh", problems: ["the guest did not survive the soft-reset resume: hung"], hung)
        ],
        ResultKey("slow-outcome", "pvh"): [line("slow-outcome", "pvh", skipped)],
        ResultKey("slow-soft-reset", "pvhvm510"): [
          line("slow-soft-reset", "pvhvm510", problems: ["second suspend: not run"], aliveOnce)
        ],
      ])
    let report = LabReport(lab: lab, guests: lab.guests, log: text)
    #expect(
      report.cells == [
        SurvivalCell(type: .pv, kernel: "6.12", fast: "alive", slow: "not observed"),
        SurvivalCell(
          type: .pvh, kernel: "6.12", fast: "alive", slow: "not observed", slowNote: "not observed: " + reason,
          softReset: "hung", softResetNote: "BUG: kernel NULL pointer dereference"),
        SurvivalCell(
          type: .pvhvm, kernel: "5.10", fast: "alive", slow: "not observed", softReset: "alive; second suspend not run"),
      ])
    let lines = report.text.split(separator: "\n").map(String.init)
    #expect(
      lines.contains(
        "survival: pvh Linux 6.12 on Xen 4.20: fast resume alive; same-domain slow resume not observed; soft-reset "
          + "slow resume hung"))
    #expect(
      lines.contains("survival: pv Linux 6.12 on Xen 4.20: fast resume alive; same-domain slow resume not observed"))
    // The skipped outcome passes and reads "skip" (columns pv, pvh, pvhvm510, dom0, none); the soft reset's failures
    // are its own.
    let outcomeLine = try #require(lines.first { $0.hasPrefix("slow-outcome ") })
    #expect(outcomeLine.split(separator: " ").map(String.init) == ["slow-outcome", "-", "skip", "ok", "-", "-"])
    #expect(report.failed == 2)
    let json = try #require(JSONDocument.parse(report.survivalJSON))
    let cells = try #require(json["cells"]?.array)
    #expect(cells[0]["softReset"] == nil)
    #expect(cells[1]["softReset"]?.string == "hung")
  }

  @Test func aSoftResetRowThatSaysNothingAboutTheSoftResetIsNotObserved() throws {
    let lab = try softResetLab()
    var facts = softReset(.alive, kernel: "6.12")
    facts.resume = record(#"{"backend":"xen","domain":5,"durationMicroseconds":1500.0,"mode":"slow","stages":[]}"#)
    let report = LabReport(
      lab: lab, guests: lab.guests,
      log: log(lab, replacing: [ResultKey("slow-soft-reset", "pvh"): [line("slow-soft-reset", "pvh", facts)]]))
    #expect(report.cells.first { $0.type == .pvh }?.softReset == "not observed")
  }

  @Test func aLocalRunOfSomeGuestsExpectsOnlyTheirRows() throws {
    let lab = try lab()
    let guests = lab.guests.filter { $0.name == "pv" }
    let rows = LabPlan.expected(lab: lab, guests: guests)
    let text = rows.map { SerialLog.marker + plain($0) + "\n" }.joined()
    let report = LabReport(lab: lab, guests: guests, log: text)
    #expect(lastLine(report) == "\(rows.count) passed, 0 failed")
    // Every cell of the lab is there, the unobserved ones say so.
    #expect(report.cells.map(\.slow) == ["not observed", "not observed", "not observed"])
  }
}
