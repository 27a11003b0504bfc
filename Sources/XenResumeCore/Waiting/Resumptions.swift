import Synchronization

/// Waiters taken out of their tables under a lock, with what each is to be resumed with, so that they are resumed
/// after the lock is released.
///
/// A resumption under the lock would not run the woken task there (it is only scheduled), but scheduling it may
/// wake a pool thread, a system call that every other user of the lock would wait behind. Collecting them keeps
/// the rule simple: under the lock, waiters only move between tables and batches. The first resumption is stored
/// inline, since a delivery mostly wakes one task.
@usableFromInline package struct Resumptions<Output: Sendable>: Sendable {
  @usableFromInline typealias Entry = (waiter: Waiter<Output>, outcome: Result<Output, any Error>)

  @usableFromInline var first: Entry?
  @usableFromInline var others: [Entry] = []

  /// An empty batch.
  @inlinable package init() {}

  /// Whether nothing is to be resumed.
  @inlinable package var isEmpty: Bool { first == nil }

  /// How many waiters are to be resumed.
  @inlinable package var count: Int { first == nil ? 0 : 1 + others.count }

  /// Adds a waiter taken out of its table.
  @inlinable package mutating func append(_ waiter: Waiter<Output>, _ outcome: Result<Output, any Error>) {
    if first == nil {
      first = (waiter, outcome)
    } else {
      others.append((waiter, outcome))
    }
  }

  /// Resumes every waiter, in the order they were added. Call it with no lock held.
  @inlinable package consuming func resumeAll() {
    guard let first else { return }
    first.waiter.resume(with: first.outcome)
    for entry in others { entry.waiter.resume(with: entry.outcome) }
  }
}

extension Mutex {
  /// Runs `body` under the lock with an empty batch of resumptions, then resumes what it collected once the lock
  /// is released: the delivery half of the waiting primitive.
  @inlinable package func deliver<Output: Sendable, Outcome: Sendable, Failure: Error>(
    _ body: (inout Value, inout Resumptions<Output>) throws(Failure) -> Outcome
  ) throws(Failure) -> Outcome {
    let (result, resumptions) = withLock { state -> (Result<Outcome, Failure>, Resumptions<Output>) in
      var resumptions = Resumptions<Output>()
      do throws(Failure) {
        return (.success(try body(&state, &resumptions)), resumptions)
      } catch {
        return (.failure(error), resumptions)
      }
    }
    resumptions.resumeAll()
    return try result.get()
  }
}
