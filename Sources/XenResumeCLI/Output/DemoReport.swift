import SwiftXenResume

/// What `demo` prints: `{"backend":"simulator","rows":[…],"ok":true}`.
struct DemoReport: Encodable, Sendable {
  /// One step on one guest.
  struct Row: Encodable, Sendable {
    /// The guest's name (`pv32`, `pvhvm-evtchn`, `stuck`, …).
    var guest: String
    /// Its domain id.
    var domain: DomainID
    /// What was done, e.g. `suspend auto + fast resume`.
    var step: String
    /// The suspend path taken; `null` when the step did not suspend.
    var path: SuspendPath?
    /// What the library answered, in words.
    var outcome: String
    /// What the step had to produce, in words.
    var expected: String
    /// What the guest saw during the step.
    var observations: ObservationDelta
    /// The guest's pause (for checkpoints, the median); `null` when it was not paused.
    var pauseMicroseconds: Double?
    /// Whether the step produced what it had to.
    var ok: Bool
    /// Every difference from the expectation; empty when `ok`.
    var problems: [String]

    enum CodingKeys: String, CodingKey {
      case guest, domain, step, path, outcome, expected, observations, pauseMicroseconds, ok, problems
    }

    /// Encodes every field, `null`s included.
    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(guest, forKey: .guest)
      try container.encode(domain, forKey: .domain)
      try container.encode(step, forKey: .step)
      try container.encode(path, forKey: .path)
      try container.encode(outcome, forKey: .outcome)
      try container.encode(expected, forKey: .expected)
      try container.encode(observations, forKey: .observations)
      try container.encode(pauseMicroseconds, forKey: .pauseMicroseconds)
      try container.encode(ok, forKey: .ok)
      try container.encode(problems, forKey: .problems)
    }
  }

  /// Always the simulator.
  var backend: BackendKind = .simulator
  /// The steps in the order they ran.
  var rows: [Row]

  /// Whether every row is as it must be.
  var ok: Bool { rows.allSatisfy(\.ok) }

  enum CodingKeys: String, CodingKey {
    case backend, rows, ok
  }

  /// Encodes the rows and the verdict.
  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(backend, forKey: .backend)
    try container.encode(rows, forKey: .rows)
    try container.encode(ok, forKey: .ok)
  }

  /// The table and a verdict line.
  var text: String {
    var table = TextTable(["GUEST", "DOM", "STEP", "PATH", "OUTCOME", "GUEST SAW", "PAUSE", "CHECK"])
    for row in rows {
      table.append([
        row.guest, "\(row.domain)", row.step, row.path.map(String.init(describing:)) ?? "-", row.outcome,
        row.observations.summary, row.pauseMicroseconds.map { Duration.humanReadable(microseconds: $0) } ?? "-",
        row.ok ? "ok" : "WRONG: " + row.problems.joined(separator: "; "),
      ])
    }
    let wrong = rows.filter { !$0.ok }.count
    let verdict =
      wrong == 0
      ? "all \(rows.count) steps on \(Set(rows.map(\.domain)).count) guests behaved as they must"
      : "\(wrong) of \(rows.count) steps did not behave as they must"
    return table.rendered + "\n" + verdict + "\n"
  }
}
