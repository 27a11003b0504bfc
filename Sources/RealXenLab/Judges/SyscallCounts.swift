/// A tool's system calls per cycle, from `strace -f -c` attached to its warm paced process for a few cycles (a run of
/// its own: tracing slows every call, so the timed comparison is never traced).
public struct SyscallCounts: Codable, Sendable, Equatable {
  /// The cycles traced.
  public var cycles: Int
  /// All system calls of every thread, per cycle.
  public var perCycle: Double
  /// The most frequent calls, per cycle, most frequent first (at most eight).
  public var top: [Call]

  /// One system call's count.
  public struct Call: Codable, Sendable, Equatable {
    /// Its name.
    public var name: String
    /// Calls per cycle.
    public var perCycle: Double

    /// A count.
    public init(name: String, perCycle: Double) {
      self.name = name
      self.perCycle = perCycle
    }
  }

  /// Counts.
  public init(cycles: Int, perCycle: Double, top: [Call]) {
    self.cycles = cycles
    self.perCycle = perCycle
    self.top = top
  }

  /// The counts in `strace -c`'s summary table over `cycles` cycles; `nil` when it has no total row or no cycles.
  ///
  /// The table's rows are `% time, seconds, usecs/call, calls, [errors], syscall`: the calls are the fourth column
  /// and the name the last, the errors column being empty for calls that never failed.
  public init?(straceSummary text: String, cycles: Int) {
    guard cycles > 0 else { return nil }
    var calls: [(String, Int)] = []
    var total: Int?
    for line in text.split(separator: "\n") {
      let fields = line.split(whereSeparator: \.isWhitespace)
      guard fields.count >= 5, Double(fields[0]) != nil, let count = Int(fields[3]) else { continue }
      let name = String(fields[fields.count - 1])
      if name == "total" { total = count } else { calls.append((name, count)) }
    }
    guard let total else { return nil }
    self.cycles = cycles
    func rate(_ count: Int) -> Double { (Double(count) / Double(cycles) * 10).rounded() / 10 }
    perCycle = rate(total)
    top = calls.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(8).map {
      Call(name: $0.0, perCycle: rate($0.1))
    }
  }
}
