import Synchronization

/// Counts a host's calls by operation, so a tool or a benchmark can report host calls per suspend/resume cycle on
/// the simulator and on real Xen alike. With `recording` it also keeps the order of the calls, to check a path's
/// exact sequence against the C toolstack's.
///
/// ```swift
/// let counter = HostCallCounter(observing: host)
/// _ = try await controller.checkpoint(7) { _ in }
/// print(counter.totalCalls, counter.callCounts)
/// ```
public final class HostCallCounter: HostCallObserver {
  private struct Tally {
    var counts = [Int](repeating: 0, count: XenHostOperation.allCases.count)
    var sequence: [XenHostOperation] = []
  }

  /// Whether every call's operation is appended to `recordedOperations` (memory grows with the calls).
  public let recording: Bool
  private let tallies = Mutex(Tally())

  /// A counter not yet registered with any host (add it to a host's `callObservers`).
  public init(recording: Bool = false) {
    self.recording = recording
  }

  /// A counter registered with `host`'s observers, counting from now.
  public convenience init(observing host: any XenHost, recording: Bool = false) {
    self.init(recording: recording)
    host.callObservers.add(self)
  }

  /// Counts every call once it has been made (or failed), whatever its outcome.
  public func hostDidCall(_ operation: XenHostOperation, domain: DomainID?, failure: (any Error)?) {
    let index = operation.ordinal
    let recording = recording
    tallies.withLock { tally in
      tally.counts[index] += 1
      if recording { tally.sequence.append(operation) }
    }
  }

  /// The operations called since creation or the last `reset()`, in order; empty unless `recording`.
  public var recordedOperations: [XenHostOperation] { tallies.withLock { $0.sequence } }

  /// Calls per operation since creation or the last `reset()`; operations never called are absent.
  public var callCounts: [XenHostOperation: Int] {
    tallies.withLock { tally in
      var result: [XenHostOperation: Int] = [:]
      for (index, operation) in XenHostOperation.allCases.enumerated() where tally.counts[index] > 0 {
        result[operation] = tally.counts[index]
      }
      return result
    }
  }

  /// All calls since creation or the last `reset()`.
  public var totalCalls: Int { tallies.withLock { $0.counts.reduce(0, +) } }

  /// Sets every count back to zero.
  public func reset() {
    tallies.withLock { tally in
      for index in tally.counts.indices { tally.counts[index] = 0 }
      tally.sequence.removeAll()
    }
  }
}
