import Synchronization
import XCTest
import XenResumeCore

/// Yields (no sleeping, no clock) until `condition` holds; `false` if it still does not after many turns, so a
/// broken wait fails its test instead of hanging it.
func yieldUntil(_ condition: () -> Bool) async -> Bool {
  for _ in 0..<200_000 {
    if condition() { return true }
    await Task.yield()
  }
  return condition()
}

/// A wait on its own task whose end can be seen without awaiting it, so that a wait that is never resumed fails its
/// test instead of hanging it.
struct ObservedWait<Success: Sendable>: Sendable {
  private final class EndFlag: Sendable {
    let isSet = Atomic<Bool>(false)
  }

  let task: Task<Success, any Error>
  private let ended = EndFlag()

  init(_ body: @escaping @Sendable () async throws -> Success) {
    let ended = ended
    task = Task {
      defer { ended.isSet.store(true, ordering: .releasing) }
      return try await body()
    }
  }

  var hasEnded: Bool { ended.isSet.load(ordering: .acquiring) }

  func cancel() { task.cancel() }

  /// How the wait ended. One that does not end by itself fails the test, and `release` (which should end it: a
  /// close, a stop) is called; one that not even that ends (its waiter was lost) is left suspended and reported as
  /// `NeverResumed`, so the test finishes either way.
  func outcome(
    releasing release: () -> Void, file: StaticString = #filePath, line: UInt = #line
  ) async -> Result<Success, any Error> {
    if await !yieldUntil({ hasEnded }) {
      XCTFail("the wait was never resumed", file: file, line: line)
      release()
      if await !yieldUntil({ hasEnded }) { return .failure(NeverResumed()) }
    }
    return await task.result
  }
}

/// A wait that nothing resumed, not even releasing every waiter: its continuation was lost.
struct NeverResumed: Error {
}

/// The smallest user of the waiting primitive: per-key queues of integers, waiters parked in a `WaiterTable` kept in
/// the same locked state, and counters of every way a wait can end, so a test can check that each ended exactly once.
final class IntegerMailboxes: Sendable {
  struct Counters: Equatable {
    /// Calls of the `ready` closure.
    var readinessChecks = 0
    /// Waits that found a value queued.
    var readyAtOnce = 0
    /// Waiters parked.
    var parked = 0
    /// Waiters a delivery took out of the table.
    var handedOver = 0
    /// Waits that ended with `CancellationError` (the `cancelled` step).
    var cancelled = 0
  }

  private struct State {
    var queued: [Int: [Int]] = [:]
    var waiters = WaiterTable<Int, Int>()
    var counters = Counters()
    var failure: (any Error)?
  }

  private let state = Mutex(State())
  /// When set, the first readiness check cancels the waiting task (before its cancellation handler is installed).
  private let cancelsOnFirstCheck: Bool

  init(cancelsOnFirstCheck: Bool = false) {
    self.cancelsOnFirstCheck = cancelsOnFirstCheck
  }

  var counters: Counters { state.withLock { $0.counters } }
  var waiterCount: Int { state.withLock { $0.waiters.count } }
  func waiterCount(under key: Int) -> Int { state.withLock { $0.waiters.count(under: key) } }
  func queued(under key: Int) -> [Int] { state.withLock { $0.queued[key] ?? [] } }

  /// Takes the oldest queued value of a key or waits for one.
  func next(from key: Int) async throws -> Int {
    try await state.wait(for: NextValue(key: key, cancelsOnFirstCheck: cancelsOnFirstCheck))
  }

  private struct NextValue: ParkableWait {
    let key: Int
    let cancelsOnFirstCheck: Bool

    func ready(_ state: inout State) throws -> Int? {
      state.counters.readinessChecks += 1
      if cancelsOnFirstCheck && state.counters.readinessChecks == 1 {
        withUnsafeCurrentTask { $0?.cancel() }
        return nil
      }
      if let value = state.queued[key]?.first {
        state.queued[key]?.removeFirst()
        state.counters.readyAtOnce += 1
        return value
      }
      if let failure = state.failure { throw failure }
      return nil
    }

    func park(_ waiter: Waiter<Int>, in state: inout State) {
      state.counters.parked += 1
      state.waiters.park(waiter, under: key)
    }

    func unpark(_ ticket: WaiterTicket, from state: inout State) -> Waiter<Int>? {
      state.waiters.remove(ticket, under: key)
    }

    func cancelled(_ state: inout State) {
      state.counters.cancelled += 1
    }
  }

  /// Hands a value to the key's oldest waiter, or queues it; `true` when a waiter took it.
  @discardableResult
  func deliver(_ value: Int, to key: Int) -> Bool {
    let waiter = state.withLock { state -> Waiter<Int>? in
      if let waiter = state.waiters.takeFirst(under: key) {
        state.counters.handedOver += 1
        return waiter
      }
      state.queued[key, default: []].append(value)
      return nil
    }
    waiter?.resume(returning: value)
    return waiter != nil
  }

  /// Fails the key's waiters; returns how many there were.
  @discardableResult
  func close(_ key: Int, with error: any Error) -> Int {
    state.deliver { (state, failed: inout Resumptions<Int>) in
      state.queued[key] = nil
      state.waiters.takeAll(under: key, resumingWith: .failure(error), into: &failed)
      return failed.count
    }
  }

  /// Fails every waiter, and every later wait that finds nothing queued.
  func failAll(with error: any Error) {
    state.deliver { (state, failed: inout Resumptions<Int>) in
      state.failure = error
      state.waiters.takeAll(resumingWith: .failure(error), into: &failed)
    }
  }
}

struct SourceLost: Error, Equatable {
  let key: Int
}
