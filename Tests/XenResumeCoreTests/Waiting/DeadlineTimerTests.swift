import Clocks
import XCTest
import XenResumeCore

/// `DeadlineTimer` on a test clock: waits end when the clock reaches their deadline, one pump serves them all and
/// re-arms for an earlier deadline, and a cancelled wait leaves the table at once. No real time passes.
final class DeadlineTimerTests: XCTestCase {
  private func timer() -> (DeadlineTimer, TestClock<Duration>) {
    let clock = TestClock<Duration>()
    return (DeadlineTimer(clock: ClockAdapter(clock)), clock)
  }

  private func parkedSleep(
    until deadline: Duration, on timer: DeadlineTimer, file: StaticString = #filePath, line: UInt = #line
  ) async -> ObservedWait<Void> {
    let before = timer.waiterCount
    let wait = ObservedWait { try await timer.sleep(until: deadline) }
    let parked = await yieldUntil { timer.waiterCount == before + 1 }
    XCTAssertTrue(parked, "the sleep until \(deadline) never parked", file: file, line: line)
    return wait
  }

  /// Fails the test unless the sleep ended normally; one never resumed is released by stopping the timer.
  private func assertEnded(
    _ wait: ObservedWait<Void>, _ timer: DeadlineTimer, file: StaticString = #filePath, line: UInt = #line
  ) async {
    if case .failure(let error) = await wait.outcome(releasing: timer.stop, file: file, line: line) {
      XCTFail("the sleep threw \(error)", file: file, line: line)
    }
  }

  private func assertCancelled(
    _ wait: ObservedWait<Void>, _ timer: DeadlineTimer, file: StaticString = #filePath, line: UInt = #line
  ) async {
    switch await wait.outcome(releasing: timer.stop, file: file, line: line) {
    case .success: XCTFail("the sleep ended normally", file: file, line: line)
    case .failure(let error): XCTAssertTrue(error is CancellationError, "unexpected \(error)", file: file, line: line)
    }
  }

  func testADeadlineAlreadyPassedReturnsWithoutParking() async throws {
    let (timer, clock) = timer()
    defer { timer.stop() }
    await clock.advance(by: .seconds(3))
    try await timer.sleep(until: .seconds(3))
    XCTAssertEqual(timer.waiterCount, 0)
    XCTAssertNil(timer.armedDeadline, "no pump was needed")
  }

  func testAWaitEndsWhenTheClockReachesItsDeadline() async throws {
    let (timer, clock) = timer()
    defer { timer.stop() }
    let sleep = await parkedSleep(until: .seconds(10), on: timer)
    let armed = await yieldUntil { timer.armedDeadline == .seconds(10) }
    XCTAssertTrue(armed)
    await clock.advance(by: .seconds(9))
    XCTAssertEqual(timer.waiterCount, 1, "woken before its deadline")
    XCTAssertFalse(sleep.hasEnded)
    await clock.advance(by: .seconds(1))
    await assertEnded(sleep, timer)
    XCTAssertEqual(timer.waiterCount, 0)
  }

  func testOnePumpEndsManyWaitsInDeadlineOrder() async throws {
    let (timer, clock) = timer()
    defer { timer.stop() }
    let late = await parkedSleep(until: .seconds(30), on: timer)
    let early = await parkedSleep(until: .seconds(10), on: timer)
    let middle = await parkedSleep(until: .seconds(20), on: timer)
    let sameAsMiddle = await parkedSleep(until: .seconds(20), on: timer)
    XCTAssertEqual(timer.waiterCount, 4)

    await clock.advance(by: .seconds(10))
    await assertEnded(early, timer)
    XCTAssertEqual(timer.waiterCount, 3)
    await clock.advance(by: .seconds(10))
    await assertEnded(middle, timer)
    await assertEnded(sameAsMiddle, timer)
    XCTAssertEqual(timer.waiterCount, 1)
    XCTAssertFalse(late.hasEnded)
    await clock.advance(by: .seconds(10))
    await assertEnded(late, timer)
    XCTAssertEqual(timer.waiterCount, 0)
  }

  func testAnEarlierDeadlineReArmsThePump() async throws {
    let (timer, clock) = timer()
    defer { timer.stop() }
    let timeout = await parkedSleep(until: .seconds(60), on: timer)
    let armedForTimeout = await yieldUntil { timer.armedDeadline == .seconds(60) }
    XCTAssertTrue(armedForTimeout)
    let grace = await parkedSleep(until: .seconds(5), on: timer)
    let reArmed = await yieldUntil { timer.armedDeadline == .seconds(5) }
    XCTAssertTrue(reArmed, "the pump still sleeps until \(String(describing: timer.armedDeadline))")

    await clock.advance(by: .seconds(5))
    await assertEnded(grace, timer)
    XCTAssertEqual(timer.waiterCount, 1)
    let armedAgain = await yieldUntil { timer.armedDeadline == .seconds(60) }
    XCTAssertTrue(armedAgain)
    timeout.cancel()
    await assertCancelled(timeout, timer)
  }

  /// The point of the timer: a wait that ends early (its event came first) leaves nothing parked, and many such
  /// waits need no more than the one sleep the pump armed for the first.
  func testCancellingAWaitRemovesItAtOnce() async throws {
    let (timer, _) = timer()
    defer { timer.stop() }
    for _ in 0..<200 {
      let sleep = await parkedSleep(until: .seconds(60), on: timer)
      sleep.cancel()
      guard timer.waiterCount == 0 else {
        XCTFail("the cancellation handler must remove the wait before cancel() returns")
        await assertCancelled(sleep, timer)
        return
      }
      await assertCancelled(sleep, timer)
    }
    let armed = timer.armedDeadline
    XCTAssertTrue(armed == nil || armed == .seconds(60), "re-armed for \(String(describing: armed))")
  }

  func testStopFailsParkedWaitsAndEveryLaterOne() async throws {
    let (timer, _) = timer()
    let first = await parkedSleep(until: .seconds(60), on: timer)
    let second = await parkedSleep(until: .seconds(90), on: timer)
    timer.stop()
    XCTAssertEqual(timer.waiterCount, 0)
    await assertCancelled(first, timer)
    await assertCancelled(second, timer)
    await assertCancelled(ObservedWait { try await timer.sleep(until: .seconds(1)) }, timer)
    let disarmed = await yieldUntil { timer.armedDeadline == nil }
    XCTAssertTrue(disarmed)
  }
}
