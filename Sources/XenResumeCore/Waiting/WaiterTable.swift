/// Parked waiters under keys (a watch, a port, a deadline), first come first served per key, kept inside the
/// caller's locked state.
///
/// A key with no waiter left is dropped, so keys that come and go (watch ids, deadlines) leave nothing behind; the
/// dictionary keeps its capacity, and a key's first waiter is stored inline, so a wait that parks and is taken
/// allocates nothing once the table has been used.
@usableFromInline package struct WaiterTable<Key: Hashable & Sendable, Output: Sendable>: Sendable {
  @usableFromInline var queues: [Key: WaiterQueue<Output>] = [:]

  /// How many waiters are parked, under every key.
  @usableFromInline package private(set) var count = 0

  /// How many times `count` changed (a waiter parked, was removed or was taken), wrapping: two readings with the
  /// same value saw the same waiters, so a snapshot of several tables read one after the other can be checked for
  /// consistency by reading it twice (see `SuspendController.waitSnapshot`).
  @usableFromInline package private(set) var changes: UInt64 = 0

  /// An empty table.
  @inlinable package init() {}

  /// Whether no waiter is parked.
  @inlinable package var isEmpty: Bool { count == 0 }

  /// How many waiters are parked under a key.
  @inlinable package func count(under key: Key) -> Int {
    queues[key]?.count ?? 0
  }

  /// The keys that have waiters parked.
  @inlinable package var keys: Dictionary<Key, WaiterQueue<Output>>.Keys { queues.keys }

  /// Parks a waiter under a key, behind the ones already parked there.
  @inlinable package mutating func park(_ waiter: Waiter<Output>, under key: Key) {
    queues[key, default: WaiterQueue()].park(waiter)
    count += 1
    changes &+= 1
  }

  /// Removes the waiter with this ticket from under a key (its wait was cancelled); `nil` when it is no longer
  /// parked there.
  @inlinable package mutating func remove(_ ticket: WaiterTicket, under key: Key) -> Waiter<Output>? {
    guard let index = queues.index(forKey: key), let waiter = queues.values[index].remove(ticket) else { return nil }
    dropIfEmpty(index)
    return waiter
  }

  /// Takes the waiter that parked first under a key.
  @inlinable package mutating func takeFirst(under key: Key) -> Waiter<Output>? {
    guard let index = queues.index(forKey: key), let waiter = queues.values[index].takeFirst() else { return nil }
    dropIfEmpty(index)
    return waiter
  }

  /// Takes every waiter under a key (it was closed), to be resumed with `outcome` once the lock is released.
  @inlinable package mutating func takeAll(
    under key: Key, resumingWith outcome: Result<Output, any Error>, into resumptions: inout Resumptions<Output>
  ) {
    guard var queue = queues.removeValue(forKey: key) else { return }
    count -= queue.count
    changes &+= 1
    queue.takeAll(resumingWith: outcome, into: &resumptions)
  }

  /// Takes every waiter under the keys that satisfy `isDue` (their deadline passed).
  @inlinable package mutating func takeAll(
    where isDue: (Key) -> Bool, resumingWith outcome: Result<Output, any Error>,
    into resumptions: inout Resumptions<Output>
  ) {
    let due = queues.keys.filter(isDue)
    for key in due { takeAll(under: key, resumingWith: outcome, into: &resumptions) }
  }

  /// Takes every waiter (their source is gone).
  @inlinable package mutating func takeAll(
    resumingWith outcome: Result<Output, any Error>, into resumptions: inout Resumptions<Output>
  ) {
    for index in queues.indices { queues.values[index].takeAll(resumingWith: outcome, into: &resumptions) }
    queues.removeAll(keepingCapacity: true)
    if count > 0 { changes &+= 1 }
    count = 0
  }

  @usableFromInline mutating func dropIfEmpty(_ index: Dictionary<Key, WaiterQueue<Output>>.Index) {
    count -= 1
    changes &+= 1
    if queues.values[index].isEmpty { queues.remove(at: index) }
  }
}
