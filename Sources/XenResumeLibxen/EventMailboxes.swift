import Synchronization
import XenResumeCore

/// Per-key mailboxes between one delivering reader thread and any number of async waiters.
///
/// A key is a xenstore watch (each event a fired path, queued in order) or a local event channel port (an event is a
/// pending bit: while one is undelivered a second one adds nothing, as in Xen). A waiter takes the oldest queued event
/// or suspends until one is delivered; cancelling its task removes only that waiter, so other keys and other waiters
/// carry on. Closing a key (unwatch, unbind) drops its events and fails its waiters; failing the whole set (the reader
/// lost its descriptor) fails every current and later wait once queued events are used up.
///
/// The waiting itself is the package's waiting primitive (`Mutex.wait(for:)`, `WaiterTable`): this type only adds
/// the queued events and the open keys.
final class EventMailboxes<Key: Hashable & Sendable, Event: Sendable>: Sendable {
  private struct State {
    /// The open keys, each with its queued events.
    var events: [Key: [Event]] = [:]
    var waiters = WaiterTable<Key, Event>()
    var failure: XenCallError?
  }

  private let coalesces: Bool
  /// Whether an event is dropped rather than queued behind the ones a key holds; `nil` queues every event.
  private let isRedundant: (@Sendable (_ event: Event, _ queued: [Event]) -> Bool)?
  private let state = Mutex(State())

  /// Creates an empty set. With `coalescing`, a key holds at most one undelivered event.
  init(coalescing: Bool) {
    self.coalesces = coalescing
    self.isRedundant = nil
  }

  /// Creates an empty set whose keys queue every event until they hold `limit`, and after that only events not
  /// already queued: the watches' rule (`XenStoreWatchID.queuedEventLimit`), so that a busy key nobody reads
  /// cannot grow without bound.
  init(queueingDuplicatesUpTo limit: Int) where Event: Equatable {
    self.coalesces = false
    self.isRedundant = { event, queued in queued.count >= limit && queued.contains(event) }
  }

  /// Starts accepting events for a key; events delivered to a key that is not open are dropped as stale.
  func open(_ key: Key) {
    state.withLock { state in
      if state.events[key] == nil { state.events[key] = [] }
    }
  }

  /// Whether a key is open.
  func isOpen(_ key: Key) -> Bool {
    state.withLock { $0.events[key] != nil }
  }

  /// Stops accepting events for a key, drops its queue and fails its waiters with `error`.
  func close(_ key: Key, failingWaitersWith error: XenCallError) {
    state.deliver { (state, failed: inout Resumptions<Event>) in
      state.events[key] = nil
      state.waiters.takeAll(under: key, resumingWith: .failure(error), into: &failed)
    }
  }

  /// How many tasks wait on a key right now; lets tests deliver only once a waiter is parked.
  func waiterCount(_ key: Key) -> Int {
    state.withLock { $0.waiters.count(under: key) }
  }

  /// Hands an event to the key's oldest waiter, or queues it.
  func deliver(_ event: Event, to key: Key) {
    let waiter = state.withLock { state -> Waiter<Event>? in
      guard let index = state.events.index(forKey: key) else { return nil }
      if let waiter = state.waiters.takeFirst(under: key) { return waiter }
      // Decided before the append, so that no copy of the queue is alive when it grows (it would be copied whole).
      let drop =
        coalesces ? !state.events.values[index].isEmpty : isRedundant?(event, state.events.values[index]) ?? false
      if !drop { state.events.values[index].append(event) }
      return nil
    }
    waiter?.resume(returning: event)
  }

  /// Takes the oldest queued event without waiting.
  func take(from key: Key) -> Event? {
    state.withLock { state in
      guard let index = state.events.index(forKey: key), !state.events.values[index].isEmpty else { return nil }
      return state.events.values[index].removeOldest()
    }
  }

  /// Fails every waiter now, and every wait that finds no queued event from now on.
  func fail(with error: XenCallError) {
    state.deliver { (state, failed: inout Resumptions<Event>) in
      state.failure = state.failure ?? error
      state.waiters.takeAll(resumingWith: .failure(error), into: &failed)
    }
  }

  /// Waits for the next event of a key. Throws `missing` when the key is not open (or is closed while waiting,
  /// with the error given to `close`), and `CancellationError` when the task is cancelled first; a cancelled wait
  /// consumes nothing.
  func next(from key: Key, missing: XenCallError) async throws -> Event {
    try await state.wait(for: NextEvent(key: key, missing: missing))
  }

  /// A wait for a key's next event.
  private struct NextEvent: ParkableWait {
    let key: Key
    let missing: XenCallError

    func ready(_ state: inout State) throws -> Event? {
      guard let index = state.events.index(forKey: key) else { throw missing }
      if !state.events.values[index].isEmpty { return state.events.values[index].removeOldest() }
      if let failure = state.failure { throw failure }
      return nil
    }

    func park(_ waiter: Waiter<Event>, in state: inout State) {
      state.waiters.park(waiter, under: key)
    }

    func unpark(_ ticket: WaiterTicket, from state: inout State) -> Waiter<Event>? {
      state.waiters.remove(ticket, under: key)
    }
  }
}

extension Array {
  /// `removeFirst()`, except that taking the last element keeps the buffer: a port's pending bit is set and taken
  /// over and over, and `removeFirst()` on a one-element array frees its buffer, so the next delivery allocated
  /// one again.
  fileprivate mutating func removeOldest() -> Element {
    guard count == 1 else { return removeFirst() }
    defer { removeAll(keepingCapacity: true) }
    return self[0]
  }
}
