/// The report of one lab's run, on the host, from its serial log: one verdict per row the plan expects (and per row
/// reported beyond it), the table, the failures, the pause times, the notes and the survival matrix's cells. It never
/// judges again: a row's verdict is its result's, judged in dom0; the report only adds what dom0 cannot see (a row
/// never reported, reported twice, or a result line that does not decode).
public struct LabReport: Sendable {
  /// One row of the report and its verdict.
  public struct Row: Sendable {
    /// The (scenario, guest) pair.
    public var key: ResultKey
    /// What is wrong (empty: passed).
    public var problems: [String]
    /// The results reported for it (none when missing).
    public var results: [RecordedResult]

    /// Passed.
    public var passed: Bool { problems.isEmpty }
  }

  /// The verdict of a row the plan expects and dom0 never printed.
  public static let missing = "missing: dom0 never reported it (guest did not boot, or the run was cut short)"
  /// The row unparsed result lines fail.
  public static let unparsedKey = ResultKey("unparsed-result", "none")

  /// The lab.
  public let lab: Lab
  /// The guests the run started.
  public let guests: [LabGuest]
  /// Every row: the expected ones in plan order, then the others in the order they were reported, then the unparsed
  /// lines' row.
  public let rows: [Row]
  /// The survival matrix's cells of this lab, by type then kernel.
  public let cells: [SurvivalCell]
  /// The report, as printed: `N passed, M failed` is its last line.
  public let text: String
  /// Rows that passed.
  public var passed: Int { rows.count(where: \.passed) }
  /// Rows that failed (missing ones included).
  public var failed: Int { rows.count - passed }
  /// logs/survival.json: `{"build":…,"cells":[…],"xen":…}` (matrix.py renders every lab's).
  public var survivalJSON: String { LabJSON.text(Survival(xen: lab.xen, build: dom0Build, cells: cells)) + "\n" }

  private let dom0Build: JSONDocument?

  /// The report of `log` (a serial log's contents) for a run of `guests` (the lab's, or the subset a local run
  /// started) in `lab`; `timings` is boot-timings.json's contents when there is one (printed as they are).
  public init(lab: Lab, guests: [LabGuest], log: String, timings: String? = nil) {
    self.lab = lab
    self.guests = guests
    let serial = SerialLog(log)
    var byKey: [ResultKey: [RecordedResult]] = [:]
    var order: [ResultKey] = []
    for result in serial.results {
      if byKey[result.key] == nil { order.append(result.key) }
      byKey[result.key, default: []].append(result)
    }
    let expected = LabPlan.expected(lab: lab, guests: guests)
    let expectedSet = Set(expected)
    var rows: [Row] = []
    var seen = Set<ResultKey>()
    for key in expected + order.filter({ !expectedSet.contains($0) }) where seen.insert(key).inserted {
      rows.append(Self.row(key, byKey[key] ?? []))
    }
    if !serial.unparsed.isEmpty {
      rows.append(
        Row(key: Self.unparsedKey, problems: serial.unparsed.map { "could not parse: \($0)" }, results: []))
    }
    self.rows = rows
    let rowsByKey = Dictionary(rows.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    let cells = Self.survivalCells(lab: lab, rows: rowsByKey)
    self.cells = cells
    let ready = rowsByKey[ResultKey("dom0-ready", "dom0")]?.results.last?.facts(as: Dom0ReadyFacts.self)
    dom0Build = ready?.build
    text = Self.text(
      lab: lab, guests: guests, rows: rows, byKey: rowsByKey, cells: cells, ready: ready, timings: timings)
  }

  /// A row's verdict: its results' problems, and a problem of its own when it was reported more than once.
  static func row(_ key: ResultKey, _ results: [RecordedResult]) -> Row {
    guard !results.isEmpty else { return Row(key: key, problems: [missing], results: []) }
    var problems: [String] = []
    for result in results {
      problems += result.problems
      if !result.passed && result.problems.isEmpty { problems.append("dom0 judged it failed (see the result line)") }
    }
    if results.count > 1 { problems.append("reported \(results.count) times") }
    return Row(key: key, problems: problems, results: results)
  }
}

// MARK: - The survival matrix

/// The cells of the survival matrix for one guest type and kernel in this lab (matrix.py's input): what it did after
/// the fast cycles, after the same-domain slow resume, and (PVH and PVHVM) after the slow resume through a soft reset.
public struct SurvivalCell: Codable, Sendable, Equatable {
  /// The guest type.
  public var type: GuestKind
  /// The kernel.
  public var kernel: String
  /// After the fast cycles: `alive`, or `not observed`.
  public var fast: String
  /// After the same-domain slow resume: `SlowOutcomeFacts.matrixCell`, `alive` (pure HVM), or `not observed`.
  public var slow: String
  /// The warning and trouble lines the kernel printed after the same-domain slow resume, if any (or why it was not
  /// observed).
  public var slowNote: String?
  /// After the slow resume through a soft reset (PVH and PVHVM only; `nil` for the other types, which have none):
  /// `SlowSoftResetFacts.matrixCell`, or `not observed`.
  public var softReset: String?
  /// The warning and trouble lines the kernel printed after the soft-reset resume, if any.
  public var softResetNote: String?

  /// A cell.
  public init(
    type: GuestKind, kernel: String, fast: String, slow: String, slowNote: String? = nil, softReset: String? = nil,
    softResetNote: String? = nil
  ) {
    self.type = type
    self.kernel = kernel
    self.fast = fast
    self.slow = slow
    self.slowNote = slowNote
    self.softReset = softReset
    self.softResetNote = softResetNote
  }
}

/// survival.json: the lab's release, its build facts (always written, `null` when dom0 reported none) and its cells.
private struct Survival: Encodable {
  var xen: String
  var build: JSONDocument?
  var cells: [SurvivalCell]

  enum CodingKeys: String, CodingKey { case xen, build, cells }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(xen, forKey: .xen)
    try container.encode(build ?? .null, forKey: .build)
    try container.encode(cells, forKey: .cells)
  }
}

extension LabReport {
  static let notObserved = "not observed"

  /// One cell per (type, kernel) of the lab's main and kernel guests (the event channel guests' kernels are the
  /// main ones'), from passed results only (anything else reads "not observed"), but for the soft-reset cell, whose
  /// verdict fails whenever the guest did not come through: that cell is its facts' own words, whatever the verdict,
  /// unless they say nothing about the soft reset. Every guest of that type and kernel fills it, in report order (the
  /// main guests by type, then the table's): the throwaway guest gives the main PV guest's slow cell.
  static func survivalCells(lab: Lab, rows: [ResultKey: Row]) -> [SurvivalCell] {
    struct Slot: Hashable {
      var type: GuestKind
      var kernel: String
    }
    var cells: [Slot: SurvivalCell] = [:]
    for guest in lab.guests where guest.role == .main || guest.role == .kernel {
      cells[Slot(type: guest.type, kernel: guest.kernel)] = SurvivalCell(
        type: guest.type, kernel: guest.kernel, fast: notObserved, slow: notObserved,
        softReset: LabPlan.slowResumes(of: guest.type).contains(.slowSoftReset) ? notObserved : nil)
    }
    func passed(_ scenario: String, _ guest: LabGuest) -> RecordedResult? {
      guard let row = rows[ResultKey(scenario, guest.name)], row.passed else { return nil }
      return row.results.last
    }
    for guest in mainFirst(lab.guests) where guest.role != .eventChannel {
      let slot = Slot(type: guest.type, kernel: guest.kernel)
      guard var cell = cells[slot] else { continue }
      if passed("fast-cycles", guest) != nil { cell.fast = "alive" }
      if let result = passed("slow-outcome", guest) {
        let facts = result.facts(as: SlowOutcomeFacts.self)
        cell.slow = facts?.matrixCell ?? notObserved
        if let note = facts?.matrixNote { cell.slowNote = note }
      }
      if passed("slow-hvm", guest) != nil { cell.slow = "alive" }
      let softReset = rows[ResultKey(GuestScenario.slowSoftReset.rawValue, guest.name)]?.results.last
      if let facts = softReset?.facts(as: SlowSoftResetFacts.self), let words = facts.matrixCell {
        cell.softReset = words
        cell.softResetNote = facts.matrixNote
      }
      cells[slot] = cell
    }
    return cells.values.sorted { a, b in
      let typeA = GuestKind.allCases.firstIndex(of: a.type)!
      let typeB = GuestKind.allCases.firstIndex(of: b.type)!
      if typeA != typeB { return typeA < typeB }
      return version(a.kernel).lexicographicallyPrecedes(version(b.kernel))
    }
  }

  /// "6.12" as [6, 12], for ordering kernels.
  static func version(_ kernel: String) -> [Int] { kernel.split(separator: ".").map { Int($0) ?? 0 } }

  /// The main guests by type (pv, pvh, pvhvm, hvm), then the others in table order.
  static func mainFirst(_ guests: [LabGuest]) -> [LabGuest] {
    let main = guests.filter { $0.role == .main }.sorted {
      GuestKind.allCases.firstIndex(of: $0.type)! < GuestKind.allCases.firstIndex(of: $1.type)!
    }
    return main + guests.filter { $0.role != .main }
  }

  /// The guests in the table's column order: the main ones by type, the throwaway ones, those there for a kernel,
  /// the event channel ones.
  static func columnOrder(_ guests: [LabGuest]) -> [LabGuest] {
    let others = mainFirst(guests).filter { $0.role != .main }
    return mainFirst(guests).filter { $0.role == .main } + others.filter { $0.role == .throwaway }
      + others.filter { $0.role == .kernel } + others.filter { $0.role == .eventChannel }
  }
}

// MARK: - The text

/// The pinned fields of a "compare" result's facts that the pause table reads.
private struct ReportedCompare: Decodable {
  var blocks: Int?
  var blockSize: Int?
  var swiftBlockP50: [Double]?
  var cBlockP50: [Double]?
}

/// The pinned field of a "checkpoint" result's facts that the pause table reads: xen-resume's checkpoint blocks.
private struct ReportedCheckpoint: Decodable {
  var blocks: [CommandRecord]?
}

/// `pauseMicroseconds` of xen-resume's checkpoint document.
private struct ReportedPause: Decodable {
  var min: Double
  var p50: Double
  var p90: Double
  var p99: Double
  var max: Double
  var mean: Double
}

/// The checkpoint document's member the pause table reads.
private struct ReportedCheckpointDocument: Decodable {
  var pauseMicroseconds: ReportedPause?
}

extension LabReport {
  /// One distribution from a checkpoint result's blocks (of equal sizes): exact min, max and mean; p50 is the median
  /// of the blocks' medians, p90 and p99 the largest of the blocks' (an upper bound). `nil` without any block.
  static func mergedPause(_ blocks: [CommandRecord]) -> MergedPause? {
    let pauses = blocks.compactMap { $0.decode(ReportedCheckpointDocument.self)?.pauseMicroseconds }.filter {
      $0.max != 0
    }
    guard !pauses.isEmpty else { return nil }
    return MergedPause(
      p50: SampleStatistics.median(pauses.map(\.p50))!, p90: pauses.map(\.p90).max()!, p99: pauses.map(\.p99).max()!,
      max: pauses.map(\.max).max()!)
  }

  /// The merged distribution's figures the table prints.
  struct MergedPause {
    var p50: Double
    var p90: Double
    var p99: Double
    var max: Double

    var text: String { [p50, p90, p99, max].map(LabReport.whole).joined(separator: "/") }
  }

  /// The whole report: the table, the pause times, the notes, the boot and dom0 lines, the survival cells, the
  /// failures, and `N passed, M failed` last.
  static func text(
    lab: Lab, guests: [LabGuest], rows: [Row], byKey: [ResultKey: Row], cells: [SurvivalCell],
    ready: Dom0ReadyFacts?, timings: String?
  ) -> String {
    var out: [String] = []
    out += table(lab: lab, guests: guests, rows: rows)
    out.append("")
    out += pauses(guests: guests, byKey: byKey)
    out += PauseComparisonReport.lines(xen: lab.xen, guests: guests, byKey: byKey)
    out += pathRatios(xen: lab.xen, guests: guests, byKey: byKey)
    out += rewinds(xen: lab.xen, guests: guests, byKey: byKey)
    out += notes(guests: guests, byKey: byKey)
    out.append("")
    let boots = columnOrder(guests).map { guest in
      let boot = byKey[ResultKey("boot", guest.name)]?.results.last?.facts(as: BootFacts.self)
      return "\(guest.name) first line \(number(boot?.firstLineSeconds)) s after xl create "
        + "(create \(number(boot?.createSeconds)) s)"
    }
    out.append("Boot (dom0 clock): " + boots.joined(separator: ", "))
    out.append(
      "dom0 ready at dom0 uptime \(number(ready?.uptime)) s; xen \(ready?.xenVersion ?? "n/a"); "
        + "build \(ready?.build?.text ?? "null")")
    if let timings { out.append("timings boot-timings.json: " + timings.trimmingWhitespace) }
    for cell in cells {
      out.append(
        "survival: \(cell.type.rawValue) Linux \(cell.kernel) on Xen \(lab.xen): fast resume \(cell.fast); "
          + "same-domain slow resume \(cell.slow)" + (cell.softReset.map { "; soft-reset slow resume \($0)" } ?? ""))
    }
    let failures = rows.filter { !$0.passed }
    if !failures.isEmpty { out.append("") }
    for row in failures {
      out += row.problems.map { "FAIL \(row.key): \($0)" }
    }
    let passed = rows.count(where: \.passed)
    out.append("\(passed) passed, \(rows.count - passed) failed")
    return out.joined(separator: "\n") + "\n"
  }

  /// The results table: a line per scenario, a column per guest (ok, FAIL, skip: an allowed conformance or lifecycle
  /// skip, or a slow-resume outcome left out after a failed soft-reset resume, which passes but did not run; -: no
  /// such row).
  static func table(lab: Lab, guests: [LabGuest], rows: [Row]) -> [String] {
    var scenarios: [String] = []
    for row in rows where !scenarios.contains(row.key.scenario) { scenarios.append(row.key.scenario) }
    let known = columnOrder(guests).map(\.name) + ["dom0", "none"]
    let extra = rows.map(\.key.guest).filter { !known.contains($0) }
    var columns: [String] = []
    for column in known + extra where !columns.contains(column) && rows.contains(where: { $0.key.guest == column }) {
      columns.append(column)
    }
    let byKey = Dictionary(rows.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    let width = (scenarios.map(\.count).max() ?? 0) + 2
    var out = [
      "Real Xen \(lab.xen) results",
      (pad("scenario", width) + columns.map { pad($0, 8) }.joined()).trimmingTrailingSpaces,
    ]
    for scenario in scenarios {
      var line = pad(scenario, width)
      for column in columns {
        let cell: String
        if let row = byKey[ResultKey(scenario, column)] {
          cell = !row.passed ? "FAIL" : row.results.contains(where: isSkipped) ? "skip" : "ok"
        } else {
          cell = "-"
        }
        line += pad(cell, 8)
      }
      out.append(line.trimmingTrailingSpaces)
    }
    return out
  }

  /// A conformance check or a lifecycle scenario that was (allowed to be) skipped: its facts' outcome, or one of its
  /// steps', says "skipped"; or a slow-resume outcome not run because the soft-reset resume before it left the guest
  /// dead: its facts say why.
  static func isSkipped(_ result: RecordedResult) -> Bool {
    if result.scenario == GuestScenario.slowOutcome.rawValue { return result.facts["skipped"]?.string != nil }
    guard result.scenario.hasPrefix("conformance/") || result.scenario.hasPrefix("lifecycle/") else { return false }
    if result.facts["line"]?["outcome"]?.string == "skipped" { return true }
    return result.facts["steps"]?.array?.contains { $0["outcome"]?.string == "skipped" } ?? false
  }

  /// The block comparison's table (xen-resume's and the C client's medians of their blocks' p50, the ratio,
  /// xen-resume's merged distribution). The `pause-ratio` lines scripts read come from the paced comparison
  /// (`PauseComparisonReport`).
  static func pauses(guests: [LabGuest], byKey: [ResultKey: Row]) -> [String] {
    let compared = columnOrder(guests).filter { LabPlan.group(for: $0).contains(.compare) }
    guard !compared.isEmpty else { return [] }
    var out = [
      "Pause time (microseconds, request -> resumed), xen-resume vs the C client (libxenguest), "
        + "alternating blocks of 10 on the same guest (the guests there for another kernel):",
      "guest   swift p50 (blocks)  C p50 (blocks)  swift/C   xen-resume checkpoint p50/p90/p99/max (merged blocks)",
    ]
    for guest in compared {
      let compare = byKey[ResultKey("compare", guest.name)]?.results.last?.facts(as: ReportedCompare.self)
      let swift = SampleStatistics.median(compare?.swiftBlockP50 ?? [])
      let c = SampleStatistics.median(compare?.cBlockP50 ?? [])
      let ratio = swift.flatMap { s in c.flatMap { $0 > 0 && s > 0 ? twoPlaces(s / $0) : nil } } ?? "n/a"
      let blocks = byKey[ResultKey("checkpoint", guest.name)]?.results.last?.facts(as: ReportedCheckpoint.self)?.blocks
      let merged = mergedPause(blocks ?? [])?.text ?? "n/a"
      let figures = [pad(guest.name, 8), pad(swift.map(whole) ?? "n/a", 20), pad(c.map(whole) ?? "n/a", 16)]
      out.append((figures + [pad(ratio, 10), merged]).joined())
    }
    return out
  }

  /// One `path-ratio` line per event channel guest: the pause through its channel over the pause through xenstore
  /// (the medians of the blocks' p50), from its path-compare facts whatever their verdict ("n/a" without them).
  static func pathRatios(xen: String, guests: [LabGuest], byKey: [ResultKey: Row]) -> [String] {
    columnOrder(guests).filter { $0.role == .eventChannel }.map { guest in
      let facts = byKey[ResultKey(GuestScenario.pathCompare.rawValue, guest.name)]?.results.last?.facts(
        as: PathCompareFacts.self)
      return "path-ratio xen=\(xen) guest=\(guest.type.rawValue) eventChannel/xenstore="
        + "\(facts?.ratio.map(twoPlaces) ?? "n/a") cycles=\(facts?.cycles ?? 0)"
    }
  }

  /// One `rewind` line per PVH guest the plan rewinds: the capture's size and time, the rewind's time and the pause
  /// the guest felt, and the console counters that show it went back, from its rewind facts whatever their verdict
  /// ("n/a" without them). Times in milliseconds, per MiB of guest memory too.
  static func rewinds(xen: String, guests: [LabGuest], byKey: [ResultKey: Row]) -> [String] {
    columnOrder(guests).filter { LabPlan.oneGuestAtATime(for: $0).contains(.rewind) }.map { guest in
      let facts = byKey[ResultKey(GuestScenario.rewind.rawValue, guest.name)]?.results.last?.facts(
        as: RewindFacts.self)
      let captured = facts?.captureDocument
      let rewound = facts?.rewindDocument
      let mebibytes = captured?.memoryBytes.map { Double($0) / 1_048_576 }
      func milliseconds(_ microseconds: Double?) -> Double? { microseconds.map { $0 / 1000 } }
      func perMebibyte(_ ms: Double?) -> String {
        guard let ms, let mebibytes, mebibytes > 0 else { return "n/a" }
        return twoPlaces(ms / mebibytes)
      }
      let captureMs = milliseconds(captured?.captureMicroseconds)
      let rewindMs = milliseconds(rewound?.rewind?.durationMicroseconds)
      let fields = [
        "frames=\(captured?.frames.map(String.init) ?? "n/a")", "mib=\(mebibytes.map(twoPlaces) ?? "n/a")",
        "capture-ms=\(captureMs.map(whole) ?? "n/a")", "capture-ms-per-mib=\(perMebibyte(captureMs))",
        "rewind-ms=\(rewindMs.map(whole) ?? "n/a")", "rewind-ms-per-mib=\(perMebibyte(rewindMs))",
        "capture-hole-scan-ms=\(milliseconds(captured?.holeScanMicroseconds).map(whole) ?? "n/a")",
        "capture-pause-ms=\(milliseconds(captured?.pauseMicroseconds).map(whole) ?? "n/a")",
        "pause-ms=\(milliseconds(rewound?.pauseMicroseconds).map(whole) ?? "n/a")",
        "counter-at-capture=\(facts.map { String($0.counterAtCapture) } ?? "n/a")",
        "counter-before=\(facts?.counterBeforeRewind.map(String.init) ?? "n/a")",
        "counter-after=\(facts?.counterAfterRewind.map(String.init) ?? "n/a")",
      ]
      return "rewind xen=\(xen) guest=\(guest.name) kernel=\(guest.kernel) " + fields.joined(separator: " ")
    }
  }

  /// The reduced-count and boot-attempt notes.
  static func notes(guests: [LabGuest], byKey: [ResultKey: Row]) -> [String] {
    var out: [String] = []
    // Each guest's checkpoint blocks per tool; a guest below the lab's largest count is named, so a reader does not
    // compare its figures as if they were as firm (the counts themselves are the boot's measurement budget).
    let counts: [(guest: LabGuest, blocks: Int, size: Int)] = columnOrder(guests).compactMap { guest in
      guard guest.role != .throwaway,
        let compare = byKey[ResultKey("compare", guest.name)]?.results.last?.facts(as: ReportedCompare.self),
        let blocks = compare.blocks, let size = compare.blockSize
      else { return nil }
      return (guest, blocks, size)
    }
    let most = counts.map { $0.blocks * $0.size }.max() ?? 0
    for count in counts where count.blocks * count.size < most {
      out.append(
        "note: \(count.guest.name) ran reduced counts: \(count.blocks) blocks of \(count.size) checkpoint cycles per "
          + "tool (\(most) elsewhere)")
    }
    for guest in columnOrder(guests) {
      guard let boot = byKey[ResultKey("boot", guest.name)]?.results.last?.facts(as: BootFacts.self),
        boot.attempts > 1
      else { continue }
      out.append(
        "note: \(guest.name) booted on attempt \(boot.attempts): the first one ended \(boot.firstAttempt ?? "?") "
          + "before its first console line")
    }
    return out
  }

  /// `text` left-justified in `width` characters (Python's ljust).
  static func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
  }

  /// A number as Python prints a float (`12.5`, `3.0`), or `n/a`.
  /// Seconds to a tenth (`%.1f`: uptimes are sums of floats, 57.24999999999999 otherwise), or "n/a".
  static func number(_ value: Double?) -> String {
    guard let value, value.isFinite else { return "n/a" }
    let tenths = Int64((value * 10).rounded())
    return "\(tenths / 10).\(abs(tenths % 10))"
  }

  /// Rounded to a whole number (`%.0f`).
  static func whole(_ value: Double) -> String {
    value.isFinite ? String(Int64(value.rounded())) : "\(value)"
  }

  /// Two decimal places (`%.2f`).
  static func twoPlaces(_ value: Double) -> String {
    guard value.isFinite else { return "\(value)" }
    let hundredths = Int64((value * 100).rounded())
    let fraction = abs(hundredths % 100)
    return (hundredths < 0 ? "-" : "") + "\(abs(hundredths / 100)).\(fraction < 10 ? "0" : "")\(fraction)"
  }
}

extension String {
  /// Without leading and trailing whitespace and newlines.
  fileprivate var trimmingWhitespace: String {
    String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
  }

  /// Without trailing spaces (the table's last column is padded too).
  var trimmingTrailingSpaces: String {
    String(reversed().drop { $0 == " " }.reversed())
  }
}
