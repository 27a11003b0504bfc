import Clocks
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// `SuspendController.waitSnapshot` and `SimulatedXenHost.waitSnapshot`, which `runAdvancing` steps the clock by:
/// they must count exactly the waits an operation has parked, or a test either advances while the operation runs
/// or never advances at all.
final class WaitSnapshotTests: XCTestCase {
  func testAnAcknowledgementWaitIsParkedOnlyOnceItsWatchAndItsTimerAre() async throws {
    let clock = TestClock<Duration>()
    let host = SimulatedXenHost(clock: clock)
    let domain = host.createDomain(.pv(behaviour: .ignoresSuspendRequest))
    let controller = SuspendController(host: host, clock: clock)
    XCTAssertFalse(isParked(controller, host), "nothing runs yet")

    let suspend = Task { try await controller.suspend(domain, timeout: .seconds(10)) }
    let parked = await eventually { isParked(controller, host) }
    XCTAssertTrue(parked, "\(controller.waitSnapshot), \(host.waitSnapshot)")
    let snapshot = controller.waitSnapshot
    XCTAssertEqual(snapshot.timer.racing, 2, "the control node's watch and the deadline")
    XCTAssertEqual(snapshot.timer.parked, 1)
    XCTAssertTrue(snapshot.timer.pumpAsleepInTime)
    XCTAssertEqual(
      host.waitSnapshot.parkedTasks, 2,
      "the wait on the control node's watch, and the @releaseDomain pump registered before the request")
    XCTAssertEqual(snapshot.hostWaitsBetweenOperations, 1, "the pump")

    // Nine seconds in, the wait is still parked; at ten its deadline ends the race.
    await clock.advance(by: .seconds(9))
    let stillParked = await eventually { isParked(controller, host) }
    XCTAssertTrue(stillParked)
    XCTAssertEqual(controller.waitSnapshot.timer.racing, 2)
    suspend.cancel()
    _ = await suspend.result
    let after = controller.waitSnapshot
    XCTAssertEqual(after.timer.racing, 0, "\(after)")
    XCTAssertEqual(after.timer.parked, 0)
    XCTAssertFalse(isParked(controller, host))
  }

  func testAReactionWhoseTimeHasComeCountsUntilItRan() async throws {
    let clock = TestClock<Duration>()
    let host = SimulatedXenHost(
      clock: clock, reactionDelays: GuestReactionDelays(acknowledgement: .seconds(2), suspension: .seconds(1)))
    let domain = host.createDomain(.pv())
    try host.write(XenStorePath.controlShutdown(of: domain), value: "suspend")
    XCTAssertEqual(host.waitSnapshot.dueReactions, 0, "scheduled two seconds ahead")
    let before = host.waitSnapshot.changes
    await clock.advance(by: .seconds(1))
    XCTAssertEqual(host.waitSnapshot.dueReactions, 0, "not due yet")
    await clock.advance(by: .seconds(1))
    let ran = await eventually { host.waitSnapshot.dueReactions == 0 && host.pendingReactionCount == 1 }
    XCTAssertTrue(ran, "the acknowledgement ran and scheduled the suspension: \(host.waitSnapshot)")
    XCTAssertNotEqual(host.waitSnapshot.changes, before)
    XCTAssertEqual(try host.read(XenStorePath.controlShutdown(of: domain)), "")
  }
}
