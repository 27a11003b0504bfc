import DequeModule
import XenResumeCore

/// The simulator's bounded record of host calls: a ring that keeps the most recent `capacity` calls.
///
/// Bounded so that long benchmarks do not grow; switchable off so they pay nothing for it.
struct HostCallTrace {
  /// How many calls a new trace keeps.
  static let defaultCapacity = 4096

  private(set) var records = Deque<HostCallRecord>()
  private(set) var capacity: Int
  var isEnabled: Bool
  private var nextSequence: UInt64 = 1

  init(enabled: Bool = true, capacity: Int = defaultCapacity) {
    self.isEnabled = enabled
    self.capacity = max(capacity, 1)
  }

  /// Appends a call, dropping the oldest when full. Callers check `isEnabled` first so that nothing is built when
  /// tracing is off.
  mutating func append(
    _ operation: XenHostOperation, domain: DomainID?, arguments: HostCallArguments, outcome: HostCallOutcome
  ) {
    if records.count == capacity { records.removeFirst() }
    records.append(
      HostCallRecord(
        sequence: nextSequence, operation: operation, domain: domain, arguments: arguments, outcome: outcome))
    nextSequence += 1
  }

  mutating func clear() {
    records.removeAll(keepingCapacity: true)
  }

  mutating func setCapacity(_ newCapacity: Int) {
    capacity = max(newCapacity, 1)
    if records.count > capacity { records.removeFirst(records.count - capacity) }
  }
}
