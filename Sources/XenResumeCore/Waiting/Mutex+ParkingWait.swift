import Synchronization

extension Mutex {
  /// Waits until the state behind this lock is ready, parking the task in a waiter table kept in that state
  /// until a delivery takes it out: the waiting half of the primitive every wait of the package is built on.
  ///
  /// Readiness is checked, and the waiter parked, under the same lock that deliveries hold, so nothing delivered
  /// between the check and the parking is missed. A task that is ready at once returns after one lock pass without
  /// making a continuation. Otherwise exactly one of three things resumes it, once, outside the lock:
  ///
  /// - a delivery that takes its waiter out of the table (see `deliver(_:)`);
  /// - its cancellation after it parked: the handler removes the waiter with `unpark` and resumes it with
  ///   `CancellationError`, at once, so a cancelled wait leaves nothing parked;
  /// - its cancellation before it parked: the handler finds nothing to remove, and the parking step, which checks
  ///   `Task.isCancelled` under the lock before anything else, refuses to park. The cancellation flag is set before
  ///   the handler runs, so one of the two always sees the other.
  ///
  /// Cancellation is checked before readiness every time, so a cancelled wait never consumes what it waited for.
  ///
  /// - Parameters:
  ///   - ready: under the lock: the value to end the wait with now, `nil` to park, or an error to end it with.
  ///     Called once or twice (before and after the continuation is made).
  ///   - park: under the lock: stores the waiter where deliveries find it; what it returns is handed to
  ///     `afterParking` once the lock is released (a pump to wake, a timer to re-arm).
  ///   - afterParking: outside the lock, after parking.
  ///   - unpark: under the lock, from the cancellation handler: removes the waiter with this ticket and returns it,
  ///     or `nil` when something else already took it.
  ///   - whenCancelled: under the lock, once, when the wait ends with `CancellationError` (for a trace).
  package func parkingWait<Output: Sendable, Effect: Sendable>(
    ready: @Sendable (inout Value) throws -> Output?,
    park: @Sendable (inout Value, Waiter<Output>) -> Effect,
    afterParking: (Effect) -> Void,
    unpark: @Sendable (inout Value, WaiterTicket) -> Waiter<Output>?,
    whenCancelled: @Sendable (inout Value) -> Void = { _ in }
  ) async throws -> Output {
    let now: Result<Output, any Error>? = withLock { state in
      Self.readiness(of: &state, ready: ready, whenCancelled: whenCancelled)
    }
    if let now { return try now.get() }
    let ticket = WaiterTicket.next()
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Output, any Error>) in
        let (now, effect) = withLock { state -> (Result<Output, any Error>?, Effect?) in
          if let now = Self.readiness(of: &state, ready: ready, whenCancelled: whenCancelled) { return (now, nil) }
          return (nil, park(&state, Waiter(ticket: ticket, continuation: continuation)))
        }
        if let effect { afterParking(effect) }
        if let now { continuation.resume(with: now) }
      }
    } onCancel: {
      let waiter = withLock { state -> Waiter<Output>? in
        guard let waiter = unpark(&state, ticket) else { return nil }
        whenCancelled(&state)
        return waiter
      }
      waiter?.resume(throwing: CancellationError())
    }
  }

  /// `parkingWait` for waits whose parking needs no follow-up outside the lock.
  package func parkingWait<Output: Sendable>(
    ready: @Sendable (inout Value) throws -> Output?,
    park: @Sendable (inout Value, Waiter<Output>) -> Void,
    unpark: @Sendable (inout Value, WaiterTicket) -> Waiter<Output>?,
    whenCancelled: @Sendable (inout Value) -> Void = { _ in }
  ) async throws -> Output {
    try await parkingWait(
      ready: ready, park: park, afterParking: { (_: Void) in }, unpark: unpark, whenCancelled: whenCancelled)
  }

  /// Cancellation first, then the caller's readiness; `nil` to park.
  private static func readiness<Output>(
    of state: inout Value, ready: @Sendable (inout Value) throws -> Output?, whenCancelled: @Sendable (inout Value) -> Void
  ) -> Result<Output, any Error>? {
    if Task.isCancelled {
      whenCancelled(&state)
      return .failure(CancellationError())
    }
    do {
      guard let value = try ready(&state) else { return nil }
      return .success(value)
    } catch {
      return .failure(error)
    }
  }
}
