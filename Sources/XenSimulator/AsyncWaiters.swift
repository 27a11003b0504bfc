/// The continuations of tasks waiting in `nextWatchEvent` or `waitForEvent`, with cancellation that cannot race.
///
/// A wait takes an id before it suspends. Cancellation may arrive before the continuation is parked (the id is then
/// marked, and parking finds the mark) or after (the continuation is taken out and resumed with
/// `CancellationError`); a delivery takes the continuation out first, so exactly one of them resumes it. Every slot
/// is removed when its wait ends, so nothing grows across waits.
struct AsyncWaiters<Value: Sendable> {
  private enum Slot {
    case preparing
    case cancelled
    case waiting(CheckedContinuation<Value, any Error>)
  }

  private var slots: [UInt64: Slot] = [:]
  private var nextID: UInt64 = 1

  var count: Int { slots.count }

  /// Reserves an id for a wait that is about to suspend.
  mutating func prepare() -> UInt64 {
    let id = nextID
    nextID += 1
    slots[id] = .preparing
    return id
  }

  /// Whether the wait was cancelled before it could park; the slot is then gone.
  mutating func consumeCancellation(_ id: UInt64) -> Bool {
    guard case .cancelled = slots[id] else { return false }
    slots[id] = nil
    return true
  }

  /// Parks a waiting continuation.
  mutating func park(_ id: UInt64, _ continuation: CheckedContinuation<Value, any Error>) {
    slots[id] = .waiting(continuation)
  }

  /// Ends a wait that did not need to park.
  mutating func finish(_ id: UInt64) {
    slots[id] = nil
  }

  /// Takes a parked continuation out to resume it; `nil` when the wait is no longer parked.
  mutating func take(_ id: UInt64) -> CheckedContinuation<Value, any Error>? {
    guard case .waiting(let continuation) = slots[id] else { return nil }
    slots[id] = nil
    return continuation
  }

  /// Cancels a wait: returns its continuation when it was parked, marks it when it was still preparing.
  mutating func cancel(_ id: UInt64) -> CheckedContinuation<Value, any Error>? {
    switch slots[id] {
    case .waiting(let continuation):
      slots[id] = nil
      return continuation
    case .preparing:
      slots[id] = .cancelled
      return nil
    case .cancelled, nil:
      return nil
    }
  }
}
