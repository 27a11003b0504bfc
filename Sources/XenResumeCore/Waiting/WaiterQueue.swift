/// Parked waiters in the order they parked, kept inside the caller's locked state.
///
/// Nearly every queue holds no waiter or one (one task waits on a watch, a port, a generation), so one waiter is
/// stored inline: parking and taking it allocate nothing. Only a second waiter on the same queue needs an array.
@usableFromInline package struct WaiterQueue<Output: Sendable>: Sendable {
  @usableFromInline enum Storage: Sendable {
    case empty
    case one(Waiter<Output>)
    case many([Waiter<Output>])
  }

  @usableFromInline var storage = Storage.empty

  /// An empty queue.
  @inlinable package init() {}

  /// How many waiters are parked.
  @inlinable package var count: Int {
    switch storage {
    case .empty: 0
    case .one: 1
    case .many(let waiters): waiters.count
    }
  }

  /// Whether no waiter is parked.
  @inlinable package var isEmpty: Bool { count == 0 }

  /// Parks a waiter behind the ones already parked.
  @inlinable package mutating func park(_ waiter: Waiter<Output>) {
    switch storage {
    case .empty:
      storage = .one(waiter)
    case .one(let first):
      storage = .many([first, waiter])
    case .many(var waiters):
      storage = .empty
      waiters.append(waiter)
      storage = .many(waiters)
    }
  }

  /// Removes the waiter with this ticket (its wait was cancelled); `nil` when it is no longer parked.
  @inlinable package mutating func remove(_ ticket: WaiterTicket) -> Waiter<Output>? {
    switch storage {
    case .empty:
      return nil
    case .one(let waiter):
      guard waiter.ticket == ticket else { return nil }
      storage = .empty
      return waiter
    case .many(var waiters):
      guard let index = waiters.firstIndex(where: { $0.ticket == ticket }) else { return nil }
      storage = .empty
      let waiter = waiters.remove(at: index)
      storage = waiters.isEmpty ? .empty : .many(waiters)
      return waiter
    }
  }

  /// Takes the waiter that parked first.
  @inlinable package mutating func takeFirst() -> Waiter<Output>? {
    switch storage {
    case .empty:
      return nil
    case .one(let waiter):
      storage = .empty
      return waiter
    case .many(var waiters):
      storage = .empty
      let waiter = waiters.removeFirst()
      storage = waiters.isEmpty ? .empty : .many(waiters)
      return waiter
    }
  }

  /// Takes every waiter, in parking order, to be resumed with `outcome` once the lock is released.
  @inlinable package mutating func takeAll(
    resumingWith outcome: Result<Output, any Error>, into resumptions: inout Resumptions<Output>
  ) {
    switch storage {
    case .empty:
      return
    case .one(let waiter):
      resumptions.append(waiter, outcome)
    case .many(let waiters):
      for waiter in waiters { resumptions.append(waiter, outcome) }
    }
    storage = .empty
  }
}
