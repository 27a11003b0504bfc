import Synchronization
import XenResumeCore

/// Per-key mailboxes between one delivering reader thread and any number of async waiters.
///
/// A key is a xenstore watch (each event a fired path, queued in order) or a local event channel port (an event is a
/// pending bit: while one is undelivered a second one adds nothing, as in Xen). A waiter takes the oldest queued event
/// or suspends until one is delivered; cancelling its task removes only that waiter, so other keys and other waiters
/// carry on. Closing a key (unwatch, unbind) drops its events and fails its waiters; failing the whole set (the reader
/// lost its descriptor) fails every current and later wait once queued events are used up.
final class EventMailboxes<Key: Hashable & Sendable, Event: Sendable>: Sendable {
  private typealias Continuation = CheckedContinuation<Event, any Error>

  private struct Waiter {
    var id: UInt64
    var continuation: Continuation
  }

  private struct Mailbox {
    var events: [Event] = []
    var waiters: [Waiter] = []
  }

  private struct State {
    var mailboxes: [Key: Mailbox] = [:]
    var nextWaiterID: UInt64 = 0
    var failure: XenCallError?
  }

  private let coalesces: Bool
  private let state = Mutex(State())

  /// Creates an empty set. With `coalescing`, a key holds at most one undelivered event.
  init(coalescing: Bool) {
    self.coalesces = coalescing
  }

  /// Starts accepting events for a key; events delivered to a key that is not open are dropped as stale.
  func open(_ key: Key) {
    state.withLock { state in
      if state.mailboxes[key] == nil { state.mailboxes[key] = Mailbox() }
    }
  }

  /// Whether a key is open.
  func isOpen(_ key: Key) -> Bool {
    state.withLock { $0.mailboxes[key] != nil }
  }

  /// Stops accepting events for a key, drops its queue and fails its waiters with `error`.
  func close(_ key: Key, failingWaitersWith error: XenCallError) {
    let waiters = state.withLock { $0.mailboxes.removeValue(forKey: key)?.waiters ?? [] }
    for waiter in waiters { waiter.continuation.resume(throwing: error) }
  }

  /// How many tasks wait on a key right now; lets tests deliver only once a waiter is parked.
  func waiterCount(_ key: Key) -> Int {
    state.withLock { $0.mailboxes[key]?.waiters.count ?? 0 }
  }

  /// Hands an event to the key's oldest waiter, or queues it.
  func deliver(_ event: Event, to key: Key) {
    let waiter: Waiter? = state.withLock { state in
      guard var mailbox = state.mailboxes[key] else { return nil }
      defer { state.mailboxes[key] = mailbox }
      if !mailbox.waiters.isEmpty { return mailbox.waiters.removeFirst() }
      if !(coalesces && !mailbox.events.isEmpty) { mailbox.events.append(event) }
      return nil
    }
    waiter?.continuation.resume(returning: event)
  }

  /// Takes the oldest queued event without waiting.
  func take(from key: Key) -> Event? {
    state.withLock { state in
      guard var mailbox = state.mailboxes[key], !mailbox.events.isEmpty else { return nil }
      defer { state.mailboxes[key] = mailbox }
      return mailbox.events.removeFirst()
    }
  }

  /// Fails every waiter now, and every wait that finds no queued event from now on.
  func fail(with error: XenCallError) {
    let waiters = state.withLock { state in
      state.failure = state.failure ?? error
      var waiters: [Waiter] = []
      for key in state.mailboxes.keys {
        waiters += state.mailboxes[key]?.waiters ?? []
        state.mailboxes[key]?.waiters = []
      }
      return waiters
    }
    for waiter in waiters { waiter.continuation.resume(throwing: error) }
  }

  /// Waits for the next event of a key. Throws `missing` when the key is not open (or is closed while waiting,
  /// with the error given to `close`), and `CancellationError` when the task is cancelled first; a cancelled wait
  /// consumes nothing.
  func next(from key: Key, missing: XenCallError) async throws -> Event {
    let id = state.withLock { state in
      state.nextWaiterID += 1
      return state.nextWaiterID
    }
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: Continuation) in
        let immediate: Result<Event, any Error>? = state.withLock { state in
          // Checked under the lock: a cancellation that came before this point found no waiter to remove.
          if Task.isCancelled { return .failure(CancellationError()) }
          guard var mailbox = state.mailboxes[key] else { return .failure(missing) }
          if !mailbox.events.isEmpty {
            let event = mailbox.events.removeFirst()
            state.mailboxes[key] = mailbox
            return .success(event)
          }
          if let failure = state.failure { return .failure(failure) }
          mailbox.waiters.append(Waiter(id: id, continuation: continuation))
          state.mailboxes[key] = mailbox
          return nil
        }
        if let immediate { continuation.resume(with: immediate) }
      }
    } onCancel: {
      let waiter: Waiter? = state.withLock { state in
        for key in state.mailboxes.keys {
          if let index = state.mailboxes[key]?.waiters.firstIndex(where: { $0.id == id }) {
            return state.mailboxes[key]?.waiters.remove(at: index)
          }
        }
        return nil
      }
      waiter?.continuation.resume(throwing: CancellationError())
    }
  }
}
