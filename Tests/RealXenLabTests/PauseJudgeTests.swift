import RealXenLab
import Testing

/// The paced comparison's and the rate loops' judges: they fail broken runs (missing cycles, an error, a dead guest),
/// never a ratio or a rate, which an emulated host's noise decides.
@Suite struct PauseJudgeTests {
  private func context(_ kind: GuestKind) -> JudgeContext {
    let lab = LabJSON.decode(Lab.self, from: #"{"xen":"4.17","suite":"bookworm","kernel":"6.1","guests":[]}"#)!
    return JudgeContext(lab: lab, guest: LabGuest(name: kind.rawValue, type: kind, kernel: "6.1", role: .main))
  }

  private func cycles(_ pauses: [Double]) -> [PacedCycleDocument] {
    pauses.map { LabJSON.decode(PacedCycleDocument.self, from: #"{"pauseMicroseconds":\#($0),"error":null}"#)! }
  }

  private func compare(
    swift: [Double], c: [Double], wanted: Int = 30, cutByBudget: Bool = false, swiftError: String? = nil,
    alive: Bool = true
  ) -> PauseCompareFacts {
    PauseCompareFacts(
      path: "xenstoreControl", wanted: wanted, cutByBudget: cutByBudget, budgetSeconds: 300, seed: 1,
      swift: PacedToolSummary(cycles(swift), endedBy: swiftError), c: PacedToolSummary(cycles(c)), swiftExit: 0,
      cExit: 0, liveness: Liveness(alive: alive, counter: "1->2"), recovered: nil)
  }

  @Test func aCompleteComparisonPassesWhateverItsRatio() {
    let slower = compare(swift: Array(repeating: 300, count: 30), c: Array(repeating: 100, count: 30))
    #expect(slower.problems(in: context(.pv)) == [])
    #expect(slower.ratio?.ratio == 3)
  }

  @Test func missingCyclesAnErrorAndADeadGuestAreNamed() {
    let facts = compare(
      swift: Array(repeating: 100, count: 12), c: Array(repeating: 100, count: 13),
      swiftError: "timeout: paced cycle 13: did not suspend", alive: false)
    let problems = facts.problems(in: context(.pv))
    #expect(problems.contains("xen-resume: timeout: paced cycle 13: did not suspend"))
    #expect(problems.contains("xen-resume: 12 cycles, expected 30"))
    #expect(problems.contains("C client: 13 cycles, expected 30"))
    #expect(problems.contains { $0.contains("alive") })
  }

  @Test func aBudgetCutNeedsOnlyTheMinimumButNotLess() {
    let enough = compare(swift: Array(repeating: 1, count: 20), c: Array(repeating: 1, count: 20), cutByBudget: true)
    #expect(enough.problems(in: context(.pvhvm)).filter { $0.hasPrefix("path") }.isEmpty)
    #expect(!enough.problems(in: context(.pv)).contains { $0.contains("cycles") })
    let short = compare(swift: Array(repeating: 1, count: 19), c: Array(repeating: 1, count: 20), cutByBudget: true)
    #expect(short.problems(in: context(.pv)).contains("xen-resume: 19 cycles, expected 20 (the budget ended the run)"))
  }

  @Test func theCommonStagesAddTheResumeStagesAndNameTheRequest() {
    let line =
      #"{"pauseMicroseconds":100,"stageMicroseconds":{"planned":31,"requestSent":4,"suspended":50,"stateChecked":1,"#
      + #""returnRegisterSet":2,"domainResumed":3,"xenstoreResumed":9},"error":null}"#
    let summary = PacedToolSummary([LabJSON.decode(PacedCycleDocument.self, from: line)!])
    #expect(PacedToolSummary.commonStages.first == "planned")
    #expect(summary.stageMedians["planned"] == 31)
    #expect(summary.stageMedians["request"] == 4)
    #expect(summary.stageMedians["resume"] == 6)
    #expect(summary.stageMedians["acknowledged"] == nil)
  }

  /// A cycle line with the given whole pause and, when given, a `planned` stage.
  private func cycle(pause: Double, planned: Double?) -> PacedCycleDocument {
    let plannedStage = planned.map { #""planned":\#($0),"# } ?? ""
    return LabJSON.decode(
      PacedCycleDocument.self,
      from: #"{"pauseMicroseconds":\#(pause),"stageMicroseconds":{\#(plannedStage)"requestWritten":5,"#
        + #""acknowledged":40,"suspended":20},"error":null}"#)!
  }

  @Test func aCycleWithAPlannedStageIsComparedWithoutIt() {
    let document = cycle(pause: 250, planned: 30)
    #expect(document.pauseMicroseconds == 250)
    #expect(document.comparedPauseMicroseconds == 220)
    let summary = PacedToolSummary([document, cycle(pause: 300.04, planned: 40)])
    #expect(summary.pauses == [220, 260])
    #expect(summary.stageMedians["planned"] == 35)
  }

  @Test func aCycleWithoutAPlannedStageIsComparedWhole() {
    let document = cycle(pause: 250, planned: nil)
    #expect(document.comparedPauseMicroseconds == 250)
    #expect(PacedToolSummary([document]).pauses == [250])
    #expect(PacedToolSummary([document]).stageMedians["planned"] == nil)
    let failed = LabJSON.decode(PacedCycleDocument.self, from: #"{"error":"cycle 1: xs_write: EACCES"}"#)!
    #expect(failed.comparedPauseMicroseconds == nil)
  }

  @Test func theRatioComparesThePausesFromTheRequest() {
    // xen-resume spends 100 µs before its request, the C client 10: whole, 300 against 200 (1.5); from the
    // request, 200 against 190.
    let swift = (0..<20).map { _ in cycle(pause: 300, planned: 100) }
    let c = (0..<20).map { _ in cycle(pause: 200, planned: 10) }
    let facts = PauseCompareFacts(
      path: "xenstoreControl", wanted: 20, cutByBudget: false, budgetSeconds: 300, seed: 1,
      swift: PacedToolSummary(swift), c: PacedToolSummary(c), swiftExit: 0, cExit: 0,
      liveness: Liveness(alive: true, counter: "1->2"), recovered: nil)
    #expect(facts.ratio.map { ($0.ratio * 1000).rounded() / 1000 } == 1.053)
    #expect(facts.problems(in: context(.pv)) == [])
  }

  @Test func xenResumesStructuredErrorAndTheCClientsStringAreBothRead() {
    let swift = LabJSON.decode(
      PacedCycleDocument.self, from: #"{"error":{"kind":"refused","message":"paced cycle 1: no"}}"#)
    #expect(swift?.error == "refused: paced cycle 1: no")
    #expect(swift?.completed == false)
    let c = LabJSON.decode(PacedCycleDocument.self, from: #"{"cycle":1,"error":"cycle 1: xs_write: EACCES"}"#)
    #expect(c?.error == "cycle 1: xs_write: EACCES")
  }

  // MARK: rate

  private func loop(_ tool: LabTool, succeeded: Int, elapsed: Double, rc: Int32 = 0) -> CommandRecord {
    CommandRecord(
      cmd: tool == .xenResume ? "xen-resume checkpoint 3 --count 50" : "xc-suspend-resume cycle 3 --count 50",
      tool: tool, rc: rc, timedOut: false,
      stdout: #"{"backend":"xen","succeeded":\#(succeeded),"elapsedMicroseconds":\#(elapsed)}"#, stderr: "", ms: 9)
  }

  @Test func ratesComeFromTheLoopsElapsedTime() {
    let facts = RateFacts(
      count: 50, swift: loop(.xenResume, succeeded: 50, elapsed: 2_000_000),
      c: loop(.cClient, succeeded: 50, elapsed: 2_500_000), liveness: Liveness(alive: true, counter: "1->2"),
      recovered: nil)
    #expect(facts.swiftRate == 25)
    #expect(facts.cRate == 20)
    #expect(facts.problems(in: context(.pv)) == [])
  }

  @Test func aLoopThatDidNotRunIsAProblem() {
    let facts = RateFacts(
      count: 50,
      swift: CommandRecord(
        cmd: "xen-resume checkpoint 3 --count 50", tool: .xenResume, rc: 1, timedOut: false,
        stdout: #"{"error":{"kind":"timeout","message":"cycle 3 of 50 failed"}}"#,
        stderr: "xen-resume: error: cycle 3 of 50 failed\n", ms: 9),
      c: nil, liveness: Liveness(alive: true, counter: "1->2"), recovered: "fast rc=0")
    let problems = facts.problems(in: context(.pv))
    #expect(problems.contains("the C client's loop did not run (xen-resume's failed first)"))
    #expect(problems.contains { $0.hasPrefix("xen-resume's loop") })
  }

  @Test func loopsAreSizedByTheBudgetAtThePacedMedian() {
    #expect(RateFacts.cycles(budget: 60, medianPauseMicroseconds: 200_000) == 200)
    #expect(RateFacts.cycles(budget: 60, medianPauseMicroseconds: 1_200_000) == 50)
    #expect(RateFacts.cycles(budget: 60, medianPauseMicroseconds: 7_000_000) == 10)
    #expect(RateFacts.cycles(budget: 60, medianPauseMicroseconds: nil) == 50)
  }
}

/// Reading `strace -c`'s summary.
@Suite struct SyscallCountsTests {
  @Test func theTotalAndTheMostFrequentCallsPerCycle() throws {
    let summary = """
      % time     seconds  usecs/call     calls    errors syscall
      ------ ----------- ----------- --------- --------- ----------------
       40.00    0.000400          20        20           ioctl
       30.00    0.000300          10        30         5 poll
       20.00    0.000200          20        10           write
       10.00    0.000100          10        10           read
      ------ ----------- ----------- --------- --------- ----------------
      100.00    0.001000          14        70         5 total
      """
    let counts = try #require(SyscallCounts(straceSummary: summary, cycles: 10))
    #expect(counts.perCycle == 7)
    #expect(counts.top.map(\.name) == ["poll", "ioctl", "read", "write"])
    #expect(counts.top.first?.perCycle == 3)
  }

  @Test func noTotalNoCounts() {
    #expect(
      SyscallCounts(straceSummary: "strace: attach: ptrace(PTRACE_SEIZE, 9): Operation not permitted", cycles: 5) == nil
    )
    #expect(SyscallCounts(straceSummary: "100.00 0.1 1 7 total", cycles: 0) == nil)
  }
}
