/// A wait parked in a waiter table: its ticket and the continuation that ends it.
///
/// Only `Mutex.wait(for:)` makes waiters, at the moment it parks one, so a waiter in a table is always a task that
/// is suspended and owed exactly one resumption. Whoever takes a waiter out of its table (a delivery, a close, a
/// cancellation) owns that resumption, and resumes it after releasing the lock. The continuation is a checked one:
/// a second resumption traps and a lost one is reported, at a cost (one small allocation per wait) that the
/// controller benchmarks do not show.
package struct Waiter<Output: Sendable>: Sendable {
  /// The ticket its wait was given.
  package let ticket: WaiterTicket
  private let continuation: CheckedContinuation<Output, any Error>

  init(ticket: WaiterTicket, continuation: CheckedContinuation<Output, any Error>) {
    self.ticket = ticket
    self.continuation = continuation
  }

  /// Ends the wait with a value.
  package func resume(returning value: sending Output) {
    continuation.resume(returning: value)
  }

  /// Ends the wait with an error.
  package func resume(throwing error: any Error) {
    continuation.resume(throwing: error)
  }

  /// Ends the wait with an outcome.
  package func resume(with outcome: Result<Output, any Error>) {
    continuation.resume(with: outcome)
  }
}
