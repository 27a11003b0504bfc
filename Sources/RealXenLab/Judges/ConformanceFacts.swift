/// One check line of `xen-host-conformance`, as printed (its fields kept loose, so that a malformed line is judged
/// with a message rather than dropped).
public struct ConformanceCheckLine: Codable, Sendable, Equatable {
  /// The check's name, e.g. `vcpus.context-round-trip`.
  public var check: String
  /// The guest's type as the suite was told it; `nil` for a host-wide check.
  public var guest: String?
  /// The guest's domain; `nil` for a host-wide check.
  public var domain: Int?
  /// `passed`, `failed` or `skipped`.
  public var outcome: String?
  /// On failure what went wrong, on skip why, else what was seen.
  public var detail: String?
  /// How long the check took.
  public var milliseconds: Double?

  /// A line.
  public init(
    check: String, guest: String?, domain: Int?, outcome: String?, detail: String?, milliseconds: Double?
  ) {
    self.check = check
    self.guest = guest
    self.domain = domain
    self.outcome = outcome
    self.detail = detail
    self.milliseconds = milliseconds
  }

  /// The line in `object`; `nil` when it names no check (the summary, or something else).
  public init?(_ object: JSONDocument) {
    guard let check = object["check"]?.string else { return nil }
    self.init(
      check: check, guest: object["guest"]?.string, domain: object["domain"]?.integer,
      outcome: object["outcome"]?.string, detail: object["detail"]?.string,
      milliseconds: object["milliseconds"]?.double)
  }

  /// Which row it fills.
  struct Key: Hashable {
    var check: String
    var guest: String?
  }

  var key: Key { Key(check: check, guest: guest) }
}

/// Row "conformance/NAME": one check of the suite on one guest (or on the host), judged from its line.
public struct ConformanceCheckFacts: ScenarioFacts {
  /// The line the suite printed (the first, when it printed several for this check and guest).
  public var line: ConformanceCheckLine
  /// How many lines the suite printed for this check and guest.
  public var timesReported: Int
  /// The domain dom0 gave the suite for the line's guest; `nil` for a host-wide check or a guest dom0 never gave.
  public var givenDomain: Int?

  /// Facts of one check.
  public init(line: ConformanceCheckLine, timesReported: Int = 1, givenDomain: Int?) {
    self.line = line
    self.timesReported = timesReported
    self.givenDomain = givenDomain
  }

  /// The check passed on the domain dom0 gave, or was skipped only where `ConformanceJudge.maySkip` allows it and
  /// for the reason given there; and the suite reported it once.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    let detail = line.detail ?? ""
    problems.expect(
      OutcomeCounts.outcomes.contains(line.outcome ?? ""),
      "outcome \(LineText.quoted(line.outcome)), expected one of \(OutcomeCounts.outcomes.joined(separator: ", "))")
    problems.expect(line.milliseconds != nil, "no milliseconds")
    if let guest = line.guest {
      if let givenDomain {
        problems.expect(
          line.domain == givenDomain,
          "domain \(line.domain.map(String.init) ?? "none"), but dom0 gave \(guest) as domain \(givenDomain)")
      } else {
        problems.add("guest \"\(guest)\" is not one dom0 gave the suite")
      }
    }
    switch line.outcome {
    case "failed":
      problems.add("failed: \(detail.prefix(400))")
    case "skipped":
      let reason = ConformanceJudge.maySkip[line.check]
      problems.expect(
        reason.map { detail.contains($0) } == true,
        "skipped (\(detail.isEmpty ? "no reason given" : String(detail.prefix(300))))"
          + (reason.map { ": a skip of this check must say \"\($0)\"" }
            ?? ": only the checks in ConformanceJudge.maySkip may be skipped"))
    default:
      break
    }
    problems.expect(timesReported == 1, "reported \(timesReported) times")
    return problems.list
  }
}

/// How many results passed, failed and were skipped.
public struct OutcomeCounts: Codable, Sendable, Equatable, CustomStringConvertible {
  /// The outcomes a result line may have.
  public static let outcomes = ["passed", "failed", "skipped"]

  /// Results that passed.
  public var passed: Int
  /// Results that failed.
  public var failed: Int
  /// Results that were skipped.
  public var skipped: Int

  /// Counts.
  public init(passed: Int, failed: Int, skipped: Int) {
    self.passed = passed
    self.failed = failed
    self.skipped = skipped
  }

  /// The counts of `outcomes` (anything else is not counted).
  public init(_ outcomes: [String?]) {
    self.init(
      passed: outcomes.count { $0 == "passed" }, failed: outcomes.count { $0 == "failed" },
      skipped: outcomes.count { $0 == "skipped" })
  }

  /// `passed 3, failed 0, skipped 1`.
  public var description: String { "passed \(passed), failed \(failed), skipped \(skipped)" }
}

/// Rows "conformance-summary" and "lifecycle-summary": the program's closing count line against the result lines dom0
/// read and the program's exit status.
public struct ProgramSummaryFacts: ScenarioFacts {
  /// The program (`xen-host-conformance` or `xen-resume-lifecycle`).
  public var program: LabTool
  /// The counts as printed (the value of `summary` or `lifecycleSummary`).
  public var summary: JSONDocument
  /// How many summary lines the program printed.
  public var summaryLines: Int
  /// The outcomes of the result lines dom0 read.
  public var seen: OutcomeCounts
  /// The program's exit code; `nil` when it was killed.
  public var rc: Int32?
  /// Whether dom0's time limit killed it.
  public var timedOut: Bool

  /// Facts of a summary.
  public init(
    program: LabTool, summary: JSONDocument, summaryLines: Int, seen: OutcomeCounts, rc: Int32?, timedOut: Bool
  ) {
    self.program = program
    self.summary = summary
    self.summaryLines = summaryLines
    self.seen = seen
    self.rc = rc
    self.timedOut = timedOut
  }

  /// One summary line, nothing failed, its counts those of the lines read, and the exit status 0 exactly when none
  /// failed.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    guard problems.expect(summaryLines == 1, "\(summaryLines) summary lines, expected 1") else { return problems.list }
    guard case .object = summary else {
      problems.add("summary \(summary.text) is not an object")
      return problems.list
    }
    let failed = summary["failed"]?.integer
    problems.expect(failed == 0, "summary says \(failed.map(String.init) ?? "none") failed")
    let printed = OutcomeCounts.outcomes.map { summary[$0]?.integer }
    let counted = [seen.passed, seen.failed, seen.skipped]
    let lines = program == .conformance ? "check" : "step"
    problems.expect(printed == counted, "summary \(summary.text) does not match the \(lines) lines read (\(seen))")
    if let rc, !timedOut {
      problems.expect(
        (rc == 0) == (failed == 0),
        "exit status \(rc) with \(failed.map(String.init) ?? "none") failed (0 iff none failed)")
    }
    return problems.list
  }
}

/// Rows "conformance-run" and "lifecycle-run": how the program ran, over which guests, and what else it printed.
public struct ProgramRunFacts: ScenarioFacts {
  /// The program.
  public var program: LabTool
  /// The command (stdout left out: its lines are the other rows; stderr's end); `nil` when dom0 did not start it.
  public var run: CommandRecord?
  /// The guests given to it, by name.
  public var guests: [String]
  /// The main guests this run started (all of the lab's, or those `rx.guests` names).
  public var expectedGuests: [String]
  /// The domain each guest was given as, by guest type (the programs' `guest` field).
  public var domains: [String: Int]
  /// The conformance suite's `--missing-domain`.
  public var missingDomain: Int?
  /// Whether `xl domname` found no domain with that id (the suite is not started when it did).
  public var missingDomainUnused: Bool?
  /// The result lines (and summary) read from its stdout.
  public var resultLines: Int
  /// The stdout lines that are not the program's result lines (the first 20).
  public var otherStdout: [String]

  /// Facts of one run.
  public init(
    program: LabTool, run: CommandRecord?, guests: [String], expectedGuests: [String], domains: [String: Int],
    missingDomain: Int? = nil, missingDomainUnused: Bool? = nil, resultLines: Int, otherStdout: [String]
  ) {
    self.program = program
    self.run = run
    self.guests = guests
    self.expectedGuests = expectedGuests
    self.domains = domains
    self.missingDomain = missingDomain
    self.missingDomainUnused = missingDomainUnused
    self.resultLines = resultLines
    self.otherStdout = otherStdout
  }

  /// It ran over every main guest this run started, exited 0, and printed nothing but its JSON lines.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    guard let run else {
      if guests.isEmpty { problems.add("not run: no main guest booted") }
      if missingDomainUnused == false {
        problems.add("not run: domain \(missingDomain ?? 0) exists (the suite needs an id no domain has)")
      }
      if problems.list.isEmpty { problems.add("not run") }
      return problems.list
    }
    problems.exit(run, is: 0, program.rawValue)
    problems.expect(
      guests.sorted() == expectedGuests.sorted(), "run over \(guests.sorted()), expected \(expectedGuests.sorted())")
    problems.expect(
      otherStdout.isEmpty,
      "stdout lines that are not its JSON lines: \(otherStdout.joined(separator: " | ").prefix(200))")
    return problems.list
  }
}

/// Row "conformance-alive": a guest after the conformance suite (which suspended and resumed it many times).
public struct ConformanceAliveFacts: ScenarioFacts {
  /// The domain the suite was given.
  public var domid: Int
  /// The console counter afterwards.
  public var liveness: Liveness
  /// Xen's view afterwards.
  public var stateAfter: DomainView?

  /// Facts of a guest after the suite.
  public init(domid: Int, liveness: Liveness, stateAfter: DomainView?) {
    self.domid = domid
    self.liveness = liveness
    self.stateAfter = stateAfter
  }

  /// Alive, and running in Xen's view.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.alive(liveness, "guest (domain \(domid))")
    problems.xen(stateAfter, is: "running", "after the conformance suite")
    return problems.list
  }
}

/// How the judges quote what a program printed.
enum LineText {
  /// `"text"`, or `none`.
  static func quoted(_ text: String?, limit: Int = 300) -> String {
    text.map { "\"\($0.prefix(limit))\"" } ?? "none"
  }
}
