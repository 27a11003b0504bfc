import Synchronization
import XCTest

@testable import XenSimulator

/// `ReactionScheduler.due`, which the controller tests step their clock by: a reaction counts as due from the moment
/// its deadline is reached on the host's clock until it has run.
final class ReactionSchedulerTests: XCTestCase {
  /// A clock moved by hand whose sleeps never end on their own (only cancellation ends them), so a reaction whose
  /// time has come stays due for as long as the test looks.
  private final class HandClock: Clock, Sendable {
    typealias Instant = ContinuousClock.Instant
    private let start = ContinuousClock.now
    private let offset = Mutex(Duration.zero)

    var now: Instant { start.advanced(by: offset.withLock { $0 }) }
    var minimumResolution: Duration { .nanoseconds(1) }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
      try await Task.sleep(for: .seconds(3600))
    }

    func move(by duration: Duration) { offset.withLock { $0 += duration } }
  }

  func testAReactionIsDueFromItsDeadlineUntilItRan() {
    let clock = HandClock()
    let scheduler = ReactionScheduler(clock: clock)
    let ran = Mutex(false)
    let before = scheduler.due.changes
    scheduler.schedule(after: .seconds(2)) { ran.withLock { $0 = true } }
    XCTAssertEqual(scheduler.due.due, 0, "scheduled two seconds ahead")
    XCTAssertNotEqual(scheduler.due.changes, before, "scheduling is a change")
    clock.move(by: .seconds(1))
    XCTAssertEqual(scheduler.due.due, 0, "a second early")
    clock.move(by: .seconds(1))
    XCTAssertEqual(scheduler.due.due, 1, "its time has come and it has not run")
    XCTAssertFalse(ran.withLock { $0 })
  }

  func testAReactionThatRanIsNoLongerDue() async {
    let scheduler = ReactionScheduler(clock: ContinuousClock())
    let ran = expectation(description: "the reaction ran")
    scheduler.schedule(after: .milliseconds(1)) { ran.fulfill() }
    await fulfillment(of: [ran], timeout: 30)
    // It is removed right after its action returns, on the same task.
    let cleared = await eventuallyTrue { scheduler.due.due == 0 }
    XCTAssertTrue(cleared)
  }

  private func eventuallyTrue(_ condition: () -> Bool) async -> Bool {
    let end = ContinuousClock.now.advanced(by: .seconds(30))
    while ContinuousClock.now < end {
      if condition() { return true }
      try? await Task.sleep(for: .milliseconds(1))
    }
    return condition()
  }
}
