/// A wait parked in a waiter table: its ticket and the continuation that ends it.
///
/// Only `Mutex.wait(for:)` makes waiters, at the moment it parks one, so a waiter in a table is always a task that
/// is suspended and owed exactly one resumption. Whoever takes a waiter out of its table (a delivery, a close, a
/// cancellation) owns that resumption, and resumes it after releasing the lock. The continuation is a checked one in
/// debug builds, where the tests run (a second resumption traps, a lost one is reported), and an unsafe one in
/// release builds: a checked continuation is a resilient standard-library type, so every copy of a value holding
/// one (the simulator's pending effects, after every call) looked its layout up at run time, which profiling showed
/// as the largest cost of the simulator at 10,000 domains, and it allocates a canary per wait.
@usableFromInline package struct Waiter<Output: Sendable>: Sendable {
  /// The ticket its wait was given.
  @usableFromInline package let ticket: WaiterTicket
  @usableFromInline let continuation: WaiterContinuation<Output>

  @usableFromInline init(ticket: WaiterTicket, continuation: WaiterContinuation<Output>) {
    self.ticket = ticket
    self.continuation = continuation
  }

  /// Ends the wait with a value.
  @inlinable package func resume(returning value: sending Output) {
    continuation.resume(returning: value)
  }

  /// Ends the wait with an error.
  @inlinable package func resume(throwing error: any Error) {
    continuation.resume(throwing: error)
  }

  /// Ends the wait with an outcome.
  @inlinable package func resume(with outcome: Result<Output, any Error>) {
    continuation.resume(with: outcome)
  }
}

#if DEBUG
  /// Checked where the tests run: misuse traps.
  @usableFromInline typealias WaiterContinuation<Output: Sendable> = CheckedContinuation<Output, any Error>

  /// Suspends the task with a continuation of the build's kind.
  @inlinable func withWaiterContinuation<Output: Sendable>(
    _ body: (WaiterContinuation<Output>) -> Void
  ) async throws -> Output {
    try await withCheckedThrowingContinuation(body)
  }
#else
  /// Unsafe in release builds: a fixed layout and no allocation (see `Waiter`).
  @usableFromInline typealias WaiterContinuation<Output: Sendable> = UnsafeContinuation<Output, any Error>

  /// Suspends the task with a continuation of the build's kind.
  @inlinable func withWaiterContinuation<Output: Sendable>(
    _ body: (WaiterContinuation<Output>) -> Void
  ) async throws -> Output {
    try await withUnsafeThrowingContinuation(body)
  }
#endif
