import XCTest
import XenResumeCore

/// `Mutex.wait(for:)`: readiness or parking in one lock pass, cancellation before and after parking, and
/// deliveries racing cancellations, each wait resumed exactly once.
final class ParkingWaitTests: XCTestCase {
  func testAValueReadyAtOnceReturnsWithoutParking() async throws {
    let mailboxes = IntegerMailboxes()
    mailboxes.deliver(7, to: 1)
    let value = try await mailboxes.next(from: 1)
    XCTAssertEqual(value, 7)
    XCTAssertEqual(mailboxes.counters, .init(readinessChecks: 1, readyAtOnce: 1))
    XCTAssertEqual(mailboxes.waiterCount, 0)
  }

  func testADeliveryResumesTheParkedWaiter() async throws {
    let mailboxes = IntegerMailboxes()
    let wait = ObservedWait { try await mailboxes.next(from: 1) }
    let parked = await yieldUntil { mailboxes.waiterCount(under: 1) == 1 }
    XCTAssertTrue(parked)
    XCTAssertTrue(mailboxes.deliver(3, to: 1), "the delivery goes to the parked waiter")
    let value = try await wait.outcome(releasing: { release(mailboxes) }).get()
    XCTAssertEqual(value, 3)
    XCTAssertEqual(mailboxes.waiterCount, 0)
    XCTAssertEqual(mailboxes.queued(under: 1), [], "a value handed over is not queued as well")
    XCTAssertEqual(mailboxes.counters.handedOver, 1)
  }

  func testAWaitCancelledBeforeItStartsConsumesNothing() async throws {
    let mailboxes = IntegerMailboxes()
    mailboxes.deliver(5, to: 1)
    let wait = ObservedWait {
      withUnsafeCurrentTask { $0?.cancel() }
      return try await mailboxes.next(from: 1)
    }
    await assertCancelled(wait, mailboxes)
    XCTAssertEqual(mailboxes.queued(under: 1), [5])
    XCTAssertEqual(mailboxes.counters, .init(cancelled: 1), "cancellation is checked before readiness")
  }

  /// The task is cancelled after the first check found nothing and before the cancellation handler exists: the
  /// handler then finds no waiter, so the parking step must see the cancellation and refuse to park.
  func testACancellationBetweenTheCheckAndTheParkingRefusesToPark() async throws {
    let mailboxes = IntegerMailboxes(cancelsOnFirstCheck: true)
    let wait = ObservedWait { try await mailboxes.next(from: 1) }
    await assertCancelled(wait, mailboxes)
    XCTAssertEqual(mailboxes.counters, .init(readinessChecks: 1, cancelled: 1))
    XCTAssertEqual(mailboxes.waiterCount, 0)
  }

  func testCancellationAfterParkingRemovesTheWaiterAtOnce() async throws {
    let mailboxes = IntegerMailboxes()
    let wait = ObservedWait { try await mailboxes.next(from: 1) }
    let parked = await yieldUntil { mailboxes.waiterCount == 1 }
    XCTAssertTrue(parked)
    wait.cancel()
    XCTAssertEqual(mailboxes.waiterCount, 0, "the cancellation handler removes the waiter before cancel() returns")
    await assertCancelled(wait, mailboxes)
    XCTAssertEqual(mailboxes.counters.cancelled, 1)
    XCTAssertFalse(mailboxes.deliver(9, to: 1), "nobody waits any more")
    XCTAssertEqual(mailboxes.queued(under: 1), [9], "the value after the cancellation is kept for the next wait")
  }

  /// A delivery and a cancellation race a wait that may be anywhere: not started, checking, parking or parked (and
  /// in half the iterations certainly parked). Every wait must end exactly once, with the value or with
  /// `CancellationError`; a cancelled one leaves the value queued; nothing stays parked.
  func testDeliveriesRacingCancellationsResumeEveryWaitExactlyOnce() async throws {
    let mailboxes = IntegerMailboxes()
    let iterations = 2000
    var received = 0
    var cancelled = 0
    for iteration in 0..<iterations {
      let wait = ObservedWait { try await mailboxes.next(from: 1) }
      if iteration.isMultiple(of: 2) {
        let parked = await yieldUntil { mailboxes.waiterCount == 1 }
        XCTAssertTrue(parked)
      }
      await withTaskGroup(of: Void.self) { group in
        group.addTask { mailboxes.deliver(iteration, to: 1) }
        group.addTask { wait.cancel() }
      }
      // Once cancel() has returned the wait can no longer park, and a parked one was taken out by one of the two.
      guard mailboxes.waiterCount == 0 else {
        XCTFail("iteration \(iteration) left a waiter parked")
        _ = await wait.outcome(releasing: { release(mailboxes) })
        return
      }
      switch await wait.outcome(releasing: { release(mailboxes) }) {
      case .success(let value):
        guard value == iteration, mailboxes.queued(under: 1).isEmpty else {
          XCTFail("iteration \(iteration) got \(value), queued \(mailboxes.queued(under: 1))")
          return
        }
        received += 1
      case .failure(let error):
        guard error is CancellationError, mailboxes.queued(under: 1) == [iteration] else {
          let queued = mailboxes.queued(under: 1)
          XCTFail("iteration \(iteration): \(error) with \(queued) queued (a cancelled wait consumes nothing)")
          return
        }
        while !mailboxes.queued(under: 1).isEmpty { _ = try await mailboxes.next(from: 1) }
        cancelled += 1
      }
    }
    XCTAssertEqual(received + cancelled, iterations)
    let counters = mailboxes.counters
    // Every wait (the raced ones and the drains) ended once: handed a delivery, ready at once, or cancelled.
    XCTAssertEqual(counters.handedOver + counters.readyAtOnce + counters.cancelled, iterations + cancelled)
    XCTAssertEqual(counters.cancelled, cancelled)
  }

  /// Ends whatever still waits, after a failure, so the test can end.
  private func release(_ mailboxes: IntegerMailboxes) {
    mailboxes.close(1, with: SourceLost(key: 1))
  }

  private func assertCancelled(
    _ wait: ObservedWait<Int>, _ mailboxes: IntegerMailboxes, file: StaticString = #filePath, line: UInt = #line
  ) async {
    switch await wait.outcome(releasing: { release(mailboxes) }, file: file, line: line) {
    case .success(let value): XCTFail("a cancelled wait returned \(value)", file: file, line: line)
    case .failure(let error): XCTAssertTrue(error is CancellationError, "unexpected \(error)", file: file, line: line)
    }
  }
}
