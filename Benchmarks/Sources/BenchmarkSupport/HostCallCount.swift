import XenResumeCore

/// Host calls per fast cycle in a loop, per operation, as a `HostCallCounter` on the host sees them.
public struct HostCallCount: Sendable {
  /// Calls per operation, divided by the cycles, in the order of one cycle's first call of each.
  public let perCycle: [(operation: XenHostOperation, calls: Double)]
  /// One cycle's calls in the order they were made (the `@releaseDomain` pump's `xs_read_watch` runs on its own
  /// task, so its place may vary).
  public let sequence: [XenHostOperation]
  /// All calls per cycle.
  public var total: Double { perCycle.reduce(0) { $0 + $1.calls } }

  /// `calls` made over `cycles` cycles, per cycle, rounded to the nearest whole call: what the benchmarks report
  /// (the `@releaseDomain` pump counts its reads on its own task, a little behind the cycles).
  public static func rounded(_ calls: Int, over cycles: Int) -> Int { (calls + cycles / 2) / cycles }

  /// Runs one warm-up cycle with a `HostCallCounter` observing `base` (so that the controller has learned the domain, bound its
  /// port and registered its `@releaseDomain` watch, as in any loop), records the order of one more cycle, then
  /// counts `cycles` fast checkpoints of `domain`.
  ///
  /// The `@releaseDomain` pump calls `xs_read_watch` on its own task after each event; the count waits until that
  /// task has parked again, so that every cycle's event is counted exactly once.
  public static func measure(
    _ base: any XenHost, domain: DomainID, cycles: Int, timeout: Duration = .seconds(60)
  ) async throws -> HostCallCount {
    let counting = HostCallCounter(observing: base, recording: true)
    defer { base.callObservers.remove(counting) }
    let controller = SuspendController(host: base)
    try await controller.checkpoint(domain, timeout: timeout) { _ in }
    try await settle(counting)
    counting.reset()
    try await controller.checkpoint(domain, timeout: timeout) { _ in }
    try await settle(counting)
    let sequence = counting.recordedOperations
    counting.reset()
    for _ in 0..<cycles {
      try await controller.checkpoint(domain, timeout: timeout) { _ in }
    }
    try await settle(counting)
    let counts = counting.callCounts
    var order: [XenHostOperation] = []
    for operation in sequence + XenHostOperation.allCases where !order.contains(operation) {
      order.append(operation)
    }
    let perCycle = order.compactMap { operation in
      counts[operation].map { (operation, Double($0) / Double(cycles)) }
    }
    return HostCallCount(perCycle: perCycle, sequence: sequence)
  }

  /// Waits until the count has not moved for 20 ms.
  private static func settle(_ counting: HostCallCounter) async throws {
    var last = -1
    while counting.totalCalls != last {
      last = counting.totalCalls
      try await Task.sleep(for: .milliseconds(20))
    }
  }

  /// `name ×n` for every operation, in `XenHostOperation` order.
  public var breakdown: String {
    perCycle.map { "\($0.operation.rawValue) ×\(Self.format($0.calls))" }.joined(separator: ", ")
  }

  /// An integer, or two decimals when the mean is not whole.
  public static func format(_ value: Double) -> String {
    if value == value.rounded() { return String(Int(value)) }
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
  }
}
