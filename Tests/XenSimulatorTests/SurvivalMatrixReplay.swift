import Foundation
import XenResumeCore
import XenSimulator

/// One cell of the survival matrix (in the DocC article "Choosing a resume"), in the matrix's grammar:
/// `alive` | `alive; warned: <message>` | `panic: <message>; shut down (<reason>)` | `shut down (<reason>)` |
/// `hung` | `hung: <message>` | `—` | `not observed`.
enum SurvivalCell: Equatable {
  case alive
  case aliveWarned(String)
  case panic(String, ShutdownReason)
  case shutDown(ShutdownReason)
  /// `hung: <message>` (`hung` without one): Xen reports it running, it makes no progress, after printing the line.
  case hung(String?)
  /// `—`: the lab has no such guest.
  case noSuchGuest
  /// `not observed`: the run could not tell.
  case notObserved

  /// Parses a cell's text; `nil` for anything outside the grammar.
  init?(_ text: String) {
    switch text {
    case "alive": self = .alive
    case "—": self = .noSuchGuest
    case "not observed": self = .notObserved
    case "hung": self = .hung(nil)
    default:
      if let message = text.dropping(prefix: "alive; warned: "), !message.isEmpty {
        self = .aliveWarned(message)
      } else if let message = text.dropping(prefix: "hung: "), !message.isEmpty {
        self = .hung(message)
      } else if let rest = text.dropping(prefix: "panic: "),
        let split = rest.range(of: "; shut down (", options: .backwards),
        !rest[..<split.lowerBound].isEmpty, let reason = Self.reason(in: "shut down (" + rest[split.upperBound...])
      {
        self = .panic(String(rest[..<split.lowerBound]), reason)
      } else if let reason = Self.reason(in: text) {
        self = .shutDown(reason)
      } else {
        return nil
      }
    }
  }

  /// The reason in `shut down (<reason>)`, by `ShutdownReason`'s description.
  private static func reason(in text: String) -> ShutdownReason? {
    guard let inner = text.dropping(prefix: "shut down ("), inner.hasSuffix(")") else { return nil }
    let name = inner.dropLast()
    return ShutdownReason.allCases.first { $0.description == name }
  }

  /// Whether the cell says what happened (not `—`, not `not observed`).
  var isOutcome: Bool { self != .noSuchGuest && self != .notObserved }

  /// The cell's text.
  var text: String {
    switch self {
    case .alive: "alive"
    case .aliveWarned(let message): "alive; warned: \(message)"
    case .panic(let message, let reason): "panic: \(message); shut down (\(reason))"
    case .shutDown(let reason): "shut down (\(reason))"
    case .hung(let message): message.map { "hung: \($0)" } ?? "hung"
    case .noSuchGuest: "—"
    case .notObserved: "not observed"
    }
  }
}

extension String {
  fileprivate func dropping(prefix: String) -> String? {
    hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
  }
}

/// Replays the survival matrix (in the DocC article "Choosing a resume") on the simulator: for every cell, a simulated host of the column's Xen
/// release, a guest of the row's type and kernel, suspend, then a fast or a (confirmed, same-domain) slow resume, and the
/// outcome described in the matrix's grammar.
enum SurvivalMatrixReplay {
  /// The header row the matrix must start with.
  static let header = [
    "guest", "kernel", "Xen 4.17: fast resume", "Xen 4.17: slow resume, same domain", "Xen 4.20: fast resume",
    "Xen 4.20: slow resume, same domain",
  ]
  /// The release and resume mode of each outcome column, in the header's order.
  static let columns: [(release: SimulatedXenRelease, mode: ResumeMode)] = [
    (.xen4_17, .fast), (.xen4_17, .slow), (.xen4_20, .fast), (.xen4_20, .slow),
  ]
  /// The kernel profile of each kernel version the lab boots.
  static let kernels: [String: GuestKernel] = ["5.10": .linuxBefore5_16, "6.1": .linux, "6.12": .linux]
  static let guestTypes = ["pv", "pvh", "pvhvm", "hvm"]

  /// One cell, where it is and what it says.
  struct Cell {
    let type: String
    let kernel: String
    let column: Int
    let cell: SurvivalCell
    /// What the simulator did, in the grammar; `nil` for cells that were skipped.
    var simulated: String?

    var place: String { "\(type) \(kernel), \(SurvivalMatrixReplay.header[column + 2])" }
  }

  /// What a replay found.
  struct Result {
    var cells: [Cell] = []
    /// Everything wrong: the matrix's form, cells outside the grammar, too many unobserved cells, and every cell the
    /// simulator disagrees with. Empty when the matrix and the simulator agree.
    var problems: [String] = []
  }

  /// The text between `<!-- survival-matrix:begin -->` and `<!-- survival-matrix:end -->`; `nil` without them.
  static func matrix(in document: String) -> String? {
    guard let begin = document.range(of: "<!-- survival-matrix:begin -->"),
      let end = document.range(of: "<!-- survival-matrix:end -->"), begin.upperBound <= end.lowerBound
    else { return nil }
    return String(document[begin.upperBound..<end.lowerBound])
  }

  /// Parses the matrix (its table lines; other lines are ignored) and replays every outcome cell.
  static func replay(_ matrix: String) async -> Result {
    var result = parse(matrix)
    for index in result.cells.indices where result.cells[index].cell.isOutcome {
      let cell = result.cells[index]
      let simulated = await outcome(
        type: cell.type, kernel: kernels[cell.kernel]!, release: columns[cell.column].release,
        mode: columns[cell.column].mode)
      result.cells[index].simulated = simulated
      if simulated != cell.cell.text {
        result.problems.append(
          "\(cell.place): the matrix says \"\(cell.cell.text)\", the simulator did \"\(simulated)\"")
      }
    }
    return result
  }

  /// The matrix's cells and the problems of its form.
  static func parse(_ matrix: String) -> Result {
    var result = Result()
    let rows = matrix.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { $0.hasPrefix("|") }
      .map { line in
        line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
          .map { $0.trimmingCharacters(in: .whitespaces) }
      }
    guard rows.count >= 2, rows[0] == header else {
      result.problems.append(
        "the survival matrix does not start with the header | \(header.joined(separator: " | ")) |")
      return result
    }
    guard rows[1].count == header.count, rows[1].allSatisfy({ $0.count >= 3 && $0.allSatisfy { $0 == "-" } }) else {
      result.problems.append("the survival matrix's header is not followed by a |---|…| row")
      return result
    }
    var seen: Set<String> = []
    for row in rows.dropFirst(2) {
      guard row.count == header.count else {
        result.problems.append("row | \(row.joined(separator: " | ")) | has \(row.count) cells, not \(header.count)")
        continue
      }
      let (type, kernel) = (row[0], row[1])
      guard guestTypes.contains(type), kernels[kernel] != nil else {
        result.problems.append(
          "row \(type) \(kernel): the guest must be one of \(guestTypes), the kernel one of 5.10, 6.1, 6.12")
        continue
      }
      if !seen.insert("\(type) \(kernel)").inserted { result.problems.append("row \(type) \(kernel) appears twice") }
      for (column, text) in row.dropFirst(2).enumerated() {
        guard let cell = SurvivalCell(text) else {
          result.problems.append("\(type) \(kernel), \(header[column + 2]): \"\(text)\" is not a cell of the grammar")
          continue
        }
        result.cells.append(Cell(type: type, kernel: kernel, column: column, cell: cell))
      }
    }
    if result.cells.isEmpty { result.problems.append("the survival matrix has no rows") }
    let present = result.cells.filter { $0.cell != .noSuchGuest }
    let unobserved = present.filter { $0.cell == .notObserved }.count
    if unobserved * 4 > present.count {
      result.problems.append(
        "\(unobserved) of the \(present.count) cells of existing guests are \"not observed\": more than a quarter")
    }
    return result
  }

  /// A guest of the matrix's type with the kernel profile: 64-bit PV, two vcpus where the type has secondaries to
  /// bring up again.
  static func guest(type: String, kernel: GuestKernel) -> SimulatedGuest {
    switch type {
    case "pv": .pv(width: .bits64, vcpus: 2, kernel: kernel)
    case "pvh": .pvh(vcpus: 2, kernel: kernel)
    case "pvhvm": .pvhvm(vcpus: 2, kernel: kernel)
    default: .hvm(vcpus: 1, kernel: kernel)
    }
  }

  /// Suspends such a guest on a host of the release and resumes it in the mode; what happened, in the grammar (or
  /// a description outside it when something else happened).
  static func outcome(
    type: String, kernel: GuestKernel, release: SimulatedXenRelease, mode: ResumeMode
  ) async -> String {
    let host = SimulatedXenHost(release: release)
    let domain = host.createDomain(guest(type: type, kernel: kernel))
    let controller = SuspendController(host: host)
    do {
      _ = try await controller.suspend(domain, timeout: .seconds(5))
      // The "same domain" columns are `XEN_DOMCTL_resumedomain` alone, not the soft-reset resume.
      let options: ResumeOptions = mode == .slow ? [.confirmSlowResumeOfPVAwareGuest, .resumeSlowWithoutSoftReset] : []
      try await controller.resume(domain, mode: mode, options: options)
      return try describe(host, domain)
    } catch {
      return "error: \(error)"
    }
  }

  /// What happened to the guest, in the matrix's grammar where it has words for it.
  static func describe(_ host: SimulatedXenHost, _ domain: DomainID) throws -> String {
    let observed = host.observations(of: domain)
    let info = try host.domainInfo(domain)
    if let reason = info.shutdownReason, reason != .suspend {
      if let panic = observed.kernelPanic { return SurvivalCell.panic(panic, reason).text }
      return SurvivalCell.shutDown(reason).text
    }
    guard DomainState(info) == .running else { return "\(DomainState(info))" }
    if observed.isHung { return SurvivalCell.hung(nil).text }
    guard observed.isHealthy else { return "corrupted: \(observed.failure ?? "no reason given")" }
    // No simulated kernel warns and carries on (`SurvivalCell.aliveWarned` is a form only real Xen may show; a
    // matrix cell in it then disagrees with the simulator's "alive", as it should).
    return SurvivalCell.alive.text
  }
}
