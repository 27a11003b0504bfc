/// The XenHost conformance suite in a lab: how dom0 runs `xen-host-conformance`, which rows a complete run reports,
/// and how the program's stdout becomes those rows' facts (judged by `ConformanceCheckFacts` and the shared
/// `ProgramSummaryFacts`, `ProgramRunFacts`).
///
/// The program prints one JSON object per check, `{"check":NAME,"guest":TYPE|null,"domain":ID|null,
/// "outcome":"passed"|"failed"|"skipped","detail":TEXT,"milliseconds":N}` (Sources/XenHostConformance's
/// `ConformanceResult`), then `{"summary":{"passed":N,"failed":N,"skipped":N}}`, and exits 0 when nothing failed.
public enum ConformanceJudge {
  /// The row prefix of a check: "conformance/NAME".
  public static let prefix = "conformance/"

  /// The checks about the host as a whole, reported once with no guest (row guest "none").
  public static let hostChecks = [
    "domains.missing-domain-is-esrch",
    "xenstore.missing-node",
    "xenstore.write-then-read",
    "xenstore.transaction-conflict-eagain",
    "xenstore.transaction-abort-discards",
    "watches.new-watch-fires-once",
    "watches.watch-fires-on-change-below",
  ]

  /// The checks run on every guest the suite is given.
  public static let guestChecks = [
    "domains.guest-type-matches-xen",
    "domains.resume-of-running-domain-changes-nothing",
    "domains.hvm-parameter-needs-hvm-container",
    "domains.soft-reset-needs-suspended-domain",
    "vcpus.context-round-trip",
    "watches.release-domain-fires-on-suspend",
    "watches.release-domain-rearmed-by-xs-resume",
    "event-channels.suspend-subscription-replaces-release-domain",
    "event-channels.suspend-subscription-signals-bound-port",
    "suspend-lock.exclusive",
  ]

  /// The checks that may be reported "skipped", and what the skip's detail must say. No upstream Linux guest
  /// advertises a suspend event channel (device/suspend/event-channel), so the bound-port check has nothing to bind on
  /// any lab guest; the soft-reset check never makes its call on a PV guest. Any other skip (guest not running, suspend lock held by someone else, the "missing" domain
  /// exists) fails: dom0 sets the run up so that none can happen.
  public static let maySkip = [
    "event-channels.suspend-subscription-signals-bound-port": "suspend event channel",
    "domains.soft-reset-needs-suspended-domain": "Xen has no soft reset for PV",
  ]

  /// The domain id the suite is told does not exist (Xen hands out ids from 1 upwards, a few per run here; ids from
  /// 0x7FF0 are reserved). dom0 checks it is unused with `xl domname` first.
  public static let missingDomain = 31999

  /// The suite's `--timeout-seconds`: how long one of its steps (a suspend, an awaited watch event, a resume) may
  /// take. A PVHVM suspend takes seconds under the lab's emulation, more on a loaded machine.
  public static let stepSeconds = 60

  /// The longest the whole run may take (dom0's deadline may cut it shorter).
  public static let runLimitSeconds = 900.0

  /// The rows a complete run over `mainGuests` reports: "conformance-run" and "conformance-summary" [dom0], every
  /// host-wide check [none], every guest check and "conformance-alive" per guest.
  public static func expectedRows(mainGuests: [LabGuest]) -> [ResultKey] {
    var rows = [ResultKey("conformance-run", "dom0"), ResultKey("conformance-summary", "dom0")]
    rows += hostChecks.map { ResultKey(prefix + $0, "none") }
    for check in guestChecks {
      rows += mainGuests.map { ResultKey(prefix + check, $0.name) }
    }
    rows += mainGuests.map { ResultKey("conformance-alive", $0.name) }
    return rows
  }

  /// What one run printed, ready to record.
  public struct Output: Sendable {
    /// One entry per (check, guest) the program reported, in the order first seen.
    public var checks: [ConformanceCheckFacts]
    /// The summary row's facts; `nil` when the program printed no summary (it died midway).
    public var summary: ProgramSummaryFacts?
    /// The stdout lines that are neither a check nor the summary.
    public var otherStdout: [String]
    /// The check and summary lines read.
    public var resultLines: Int
  }

  /// Reads the stdout of `run`; `domains` is the domain dom0 gave each guest type (`--guest ID:TYPE`).
  public static func read(_ run: CommandRecord, domains: [String: Int]) -> Output {
    let lines = ProgramLines(stdout: run.stdout)
    var checks: [ConformanceCheckLine] = []
    var summaries: [JSONDocument] = []
    var other = lines.other
    for object in lines.objects {
      if let check = ConformanceCheckLine(object) {
        checks.append(check)
      } else if let summary = object["summary"] {
        summaries.append(summary)
      } else {
        other.append(object.text)
      }
    }
    // A check reported twice is one row that says so (the program reports each (check, guest) once).
    var order: [ConformanceCheckLine.Key] = []
    var byKey: [ConformanceCheckLine.Key: (line: ConformanceCheckLine, count: Int)] = [:]
    for check in checks {
      if let seen = byKey[check.key] {
        byKey[check.key] = (seen.line, seen.count + 1)
      } else {
        order.append(check.key)
        byKey[check.key] = (check, 1)
      }
    }
    let facts = order.compactMap { key in
      byKey[key].map { entry in
        ConformanceCheckFacts(
          line: entry.line, timesReported: entry.count, givenDomain: entry.line.guest.flatMap { domains[$0] })
      }
    }
    let summary = summaries.first.map { first in
      ProgramSummaryFacts(
        program: .conformance, summary: first, summaryLines: summaries.count,
        seen: OutcomeCounts(checks.map(\.outcome)), rc: run.rc, timedOut: run.timedOut)
    }
    return Output(
      checks: facts, summary: summary, otherStdout: other, resultLines: checks.count + summaries.count)
  }
}

/// A program's stdout split into its lines: the JSON objects, and whatever else it printed.
public struct ProgramLines: Sendable {
  /// The lines that are JSON objects, in order.
  public var objects: [JSONDocument]
  /// The non-empty lines that are not JSON objects, in order.
  public var other: [String]

  /// The lines of `stdout`.
  public init(stdout: String) {
    objects = []
    other = []
    for line in stdout.split(whereSeparator: \.isNewline) {
      let text = String(line)
      guard !text.allSatisfy(\.isWhitespace) else { continue }
      if let document = JSONDocument.parse(text), case .object = document {
        objects.append(document)
      } else {
        other.append(text)
      }
    }
  }
}
