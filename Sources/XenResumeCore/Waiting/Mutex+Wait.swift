import Synchronization

extension Mutex {
  /// Waits until the state behind this lock is ready for `wait`, parking the task in a waiter table kept in that
  /// state until a delivery takes it out: the waiting half of the primitive every wait of the package is built on.
  ///
  /// Readiness is checked, and the waiter parked, under the same lock that deliveries hold, so nothing delivered
  /// between the check and the parking is missed. A task that is ready at once returns after one lock pass without
  /// making a continuation. Otherwise exactly one of three things resumes it, once, outside the lock:
  ///
  /// - a delivery that takes its waiter out of the table (see `deliver(_:)`);
  /// - its cancellation after it parked: the handler removes the waiter (`unpark`) and resumes it with
  ///   `CancellationError`, at once, so a cancelled wait leaves nothing parked;
  /// - its cancellation before it parked: the handler finds nothing to remove, and the parking step, which checks
  ///   `Task.isCancelled` under the lock before anything else, refuses to park. The cancellation flag is set before
  ///   the handler runs, so one of the two always sees the other.
  ///
  /// Cancellation is checked before readiness every time, so a cancelled wait never consumes what it waited for.
  @inlinable package func wait<Wait: ParkableWait>(for wait: Wait) async throws -> Wait.Output
  where Wait.State == Value {
    let now: Result<Wait.Output, any Error>? = withLock { state in Self.readiness(of: &state, for: wait) }
    if let now { return try now.get() }
    let ticket = WaiterTicket.next()
    return try await withTaskCancellationHandler {
      try await withWaiterContinuation { (continuation: WaiterContinuation<Wait.Output>) in
        let (now, effect) = withLock { state -> (Result<Wait.Output, any Error>?, Wait.ParkingEffect?) in
          if let now = Self.readiness(of: &state, for: wait) { return (now, nil) }
          return (nil, wait.park(Waiter(ticket: ticket, continuation: continuation), in: &state))
        }
        if let effect { wait.afterParking(effect) }
        if let now { continuation.resume(with: now) }
      }
    } onCancel: {
      let waiter = withLock { state -> Waiter<Wait.Output>? in
        guard let waiter = wait.unpark(ticket, from: &state) else { return nil }
        wait.cancelled(&state)
        return waiter
      }
      waiter?.resume(throwing: CancellationError())
    }
  }

  /// Cancellation first, then the wait's readiness; `nil` to park.
  @usableFromInline static func readiness<Wait: ParkableWait>(
    of state: inout Value, for wait: Wait
  ) -> Result<Wait.Output, any Error>? where Wait.State == Value {
    if Task.isCancelled {
      wait.cancelled(&state)
      return .failure(CancellationError())
    }
    do {
      guard let value = try wait.ready(&state) else { return nil }
      return .success(value)
    } catch {
      return .failure(error)
    }
  }
}
