import XCTest
import XenResumeCore

/// `WaiterTable` and `Resumptions` as a caller uses them: first come first served per key, removal of one
/// cancelled waiter, closing one key, failing all.
final class WaiterTableTests: XCTestCase {
  /// Starts a wait on `key` and returns once it is parked, so waits park in the order they are started.
  private func parkedWait(
    on key: Int, in mailboxes: IntegerMailboxes, file: StaticString = #filePath, line: UInt = #line
  ) async -> ObservedWait<Int> {
    let before = mailboxes.waiterCount(under: key)
    let wait = ObservedWait { try await mailboxes.next(from: key) }
    let parked = await yieldUntil { mailboxes.waiterCount(under: key) == before + 1 }
    XCTAssertTrue(parked, "the wait on \(key) never parked", file: file, line: line)
    return wait
  }

  /// How a wait ended; one never resumed fails the test and is released by failing every wait.
  private func outcome(
    of wait: ObservedWait<Int>, _ mailboxes: IntegerMailboxes, file: StaticString = #filePath, line: UInt = #line
  ) async -> Result<Int, any Error> {
    await wait.outcome(releasing: { mailboxes.failAll(with: SourceLost(key: -1)) }, file: file, line: line)
  }

  func testDeliveriesGoToAKeysWaitersInTheOrderTheyParked() async throws {
    let mailboxes = IntegerMailboxes()
    let first = await parkedWait(on: 1, in: mailboxes)
    let second = await parkedWait(on: 1, in: mailboxes)
    let third = await parkedWait(on: 1, in: mailboxes)
    let other = await parkedWait(on: 2, in: mailboxes)
    XCTAssertEqual(mailboxes.waiterCount, 4)

    for value in 10...12 { XCTAssertTrue(mailboxes.deliver(value, to: 1)) }
    var values: [Int] = []
    for wait in [first, second, third] { values.append(try await outcome(of: wait, mailboxes).get()) }
    XCTAssertEqual(values, [10, 11, 12])
    XCTAssertEqual(mailboxes.waiterCount(under: 2), 1, "another key's waiter is not touched")
    XCTAssertEqual(mailboxes.waiterCount, 1)
    mailboxes.deliver(20, to: 2)
    let otherValue = try await outcome(of: other, mailboxes).get()
    XCTAssertEqual(otherValue, 20)
  }

  func testCancellingOneWaiterKeepsTheOrderOfTheOthers() async throws {
    let mailboxes = IntegerMailboxes()
    let first = await parkedWait(on: 1, in: mailboxes)
    let second = await parkedWait(on: 1, in: mailboxes)
    let third = await parkedWait(on: 1, in: mailboxes)
    second.cancel()
    XCTAssertEqual(mailboxes.waiterCount(under: 1), 2)
    mailboxes.deliver(1, to: 1)
    mailboxes.deliver(2, to: 1)
    let values = [try await outcome(of: first, mailboxes).get(), try await outcome(of: third, mailboxes).get()]
    XCTAssertEqual(values, [1, 2])
    if case .success(let value) = await outcome(of: second, mailboxes) {
      XCTFail("the cancelled wait returned \(value)")
    }
    XCTAssertEqual(mailboxes.counters.cancelled, 1)
  }

  func testClosingAKeyFailsOnlyItsWaitersWithTheGivenError() async throws {
    let mailboxes = IntegerMailboxes()
    let closed = [await parkedWait(on: 1, in: mailboxes), await parkedWait(on: 1, in: mailboxes)]
    let open = await parkedWait(on: 2, in: mailboxes)

    XCTAssertEqual(mailboxes.close(1, with: SourceLost(key: 1)), 2)
    XCTAssertEqual(mailboxes.waiterCount(under: 1), 0)
    XCTAssertEqual(mailboxes.waiterCount, 1)
    for wait in closed {
      switch await outcome(of: wait, mailboxes) {
      case .success(let value): XCTFail("a waiter of a closed key returned \(value)")
      case .failure(let error): XCTAssertEqual(error as? SourceLost, SourceLost(key: 1))
      }
    }
    XCTAssertEqual(mailboxes.close(1, with: SourceLost(key: 1)), 0, "closing again finds nobody")
    mailboxes.deliver(4, to: 2)
    let value = try await outcome(of: open, mailboxes).get()
    XCTAssertEqual(value, 4)
  }

  func testFailingAllFailsEveryWaiterAndLaterWaitsOnceNothingIsQueued() async throws {
    let mailboxes = IntegerMailboxes()
    let waits = [
      await parkedWait(on: 1, in: mailboxes), await parkedWait(on: 2, in: mailboxes),
      await parkedWait(on: 2, in: mailboxes),
    ]
    mailboxes.deliver(8, to: 3)
    mailboxes.failAll(with: SourceLost(key: 0))
    XCTAssertEqual(mailboxes.waiterCount, 0)
    for wait in waits {
      switch await outcome(of: wait, mailboxes) {
      case .success(let value): XCTFail("a waiter survived failing all with \(value)")
      case .failure(let error): XCTAssertEqual(error as? SourceLost, SourceLost(key: 0))
      }
    }
    let queued = try await mailboxes.next(from: 3)
    XCTAssertEqual(queued, 8, "what was queued before the failure is still handed out")
    do {
      _ = try await mailboxes.next(from: 3)
      XCTFail("a later wait must fail")
    } catch let error as SourceLost {
      XCTAssertEqual(error, SourceLost(key: 0))
    }
  }

  func testAnEmptyBatchOfResumptionsResumesNothing() {
    let batch = Resumptions<Int>()
    XCTAssertTrue(batch.isEmpty)
    XCTAssertEqual(batch.count, 0)
    batch.resumeAll()
  }
}
