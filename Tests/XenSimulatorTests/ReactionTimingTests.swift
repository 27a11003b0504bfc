import Clocks
import Foundation
import Synchronization
import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// Guest reactions scheduled on an injected clock: a `TestClock` decides when guests acknowledge and suspend.
final class ReactionTimingTests: XCTestCase {
  func testTheGuestAcknowledgesAndSuspendsWhenTheClockReachesItsDelays() async throws {
    let clock = TestClock<Duration>()
    let delays = GuestReactionDelays(acknowledgement: .seconds(2), suspension: .seconds(1))
    let host = SimulatedXenHost(clock: clock, reactionDelays: delays)
    let domain = host.createDomain(.pv())
    let path = XenStorePath.controlShutdown(of: domain)
    try host.write(path, value: "suspend")
    XCTAssertEqual(try host.read(path), "suspend")

    await clock.advance(by: .seconds(1))
    XCTAssertEqual(try host.read(path), "suspend", "not yet")
    XCTAssertEqual(host.observations(of: domain).suspendRequestsSeen, 0)

    await clock.advance(by: .seconds(1))
    let acknowledged = await eventually { (try? host.read(path)) == "" }
    XCTAssertTrue(acknowledged)
    XCTAssertFalse(try host.domainInfo(domain).isShutdown, "acknowledged, not yet suspended")
    XCTAssertEqual(host.observations(of: domain).phase, .suspending)

    await clock.advance(by: .seconds(1))
    let suspended = await eventually { (try? host.domainInfo(domain))?.isSuspended == true }
    XCTAssertTrue(suspended)
  }

  /// The flake this guards against: the reaction's sleep used to start on a task of its own, so on a loaded machine
  /// a test could advance the clock to exactly the deadline before the sleep existed, and a `TestClock` sleep until
  /// "now" waits for the next advance: the guest never answered. The sleep must exist when the write returns.
  func testADelayedReactionSleepsOnTheClockBeforeTheTriggeringCallReturns() async throws {
    let clock = SleepRecordingClock()
    let host = SimulatedXenHost(clock: clock, reactionDelays: GuestReactionDelays(acknowledgement: .seconds(1)))
    let domain = host.createDomain(.pv())
    let sleepsBefore = clock.sleepThreads.count
    let pendingBefore = host.pendingReactionCount
    try host.write(XenStorePath.controlShutdown(of: domain), value: "suspend")
    // Read at once, with no await in between: this thread cannot have run anything else since the write, so a sleep
    // started on it started inside the write. A task started the ordinary way runs on another thread, or later.
    let sleeps = clock.sleepThreads
    XCTAssertEqual(sleeps.count, sleepsBefore + 1, "the reaction's sleep started before the write returned")
    XCTAssertEqual(sleeps.last, pthread_self(), "and on the writing thread, inside the write")
    XCTAssertEqual(host.pendingReactionCount, pendingBefore + 1)

    await clock.test.advance(by: .seconds(1))
    let reacted = await eventually { host.pendingReactionCount == 0 }
    XCTAssertTrue(reacted)
    XCTAssertEqual(host.observations(of: domain).acknowledgements, 1)
  }

  func testAGuestsOwnDelaysOverrideTheHostsAndNilRestoresThem() async throws {
    let clock = TestClock<Duration>()
    let host = SimulatedXenHost(clock: clock)
    let slow = host.createDomain(.pv())
    let fast = host.createDomain(.pv())
    host.setReactionDelays(GuestReactionDelays(acknowledgement: .seconds(5)), for: slow)
    let toolstack = HandDrivenToolstack(host: host)
    try toolstack.requestSuspend(fast)
    try toolstack.requestSuspend(slow)
    XCTAssertTrue(try host.domainInfo(fast).isSuspended, "the host's delays are immediate")
    XCTAssertFalse(try host.domainInfo(slow).isShutdown)
    await clock.advance(by: .seconds(5))
    let suspended = await eventually { (try? host.domainInfo(slow))?.isSuspended == true }
    XCTAssertTrue(suspended)

    try toolstack.fastResume(slow)
    host.setReactionDelays(nil, for: slow)
    try toolstack.finishResume(slow)
    try toolstack.requestSuspend(slow)
    XCTAssertTrue(try host.domainInfo(slow).isSuspended)
  }

  func testARequestWithdrawnBeforeTheGuestReadsItIsNeverSeen() async throws {
    let clock = TestClock<Duration>()
    let host = SimulatedXenHost(clock: clock, reactionDelays: GuestReactionDelays(acknowledgement: .seconds(1)))
    let domain = host.createDomain(.pv())
    let path = XenStorePath.controlShutdown(of: domain)
    try host.write(path, value: "suspend")
    try host.write(path, value: "")
    await clock.advance(by: .seconds(1))
    let reacted = await eventually { host.pendingReactionCount == 0 }
    XCTAssertTrue(reacted, "the guest's reaction ran, and found the request gone")
    XCTAssertEqual(host.observations(of: domain).suspendRequestsSeen, 0)
    XCTAssertFalse(try host.domainInfo(domain).isShutdown)

    // A request left in place is read when its reaction comes, and only that one counts.
    try host.write(path, value: "suspend")
    await clock.advance(by: .seconds(1))
    let suspended = await eventually { (try? host.domainInfo(domain))?.isSuspended == true }
    XCTAssertTrue(suspended)
    XCTAssertEqual(host.observations(of: domain).suspendRequestsSeen, 1)
  }

  func testRequestsArrivingWhileASuspendIsInProgressAreIgnored() async throws {
    let clock = TestClock<Duration>()
    let host = SimulatedXenHost(clock: clock, reactionDelays: GuestReactionDelays(suspension: .seconds(1)))
    let domain = host.createDomain(.pv(kernel: .linux))
    let toolstack = HandDrivenToolstack(host: host)
    try toolstack.requestSuspend(domain)
    XCTAssertEqual(host.observations(of: domain).phase, .suspending)
    try toolstack.requestSuspend(domain)
    var guest = host.observations(of: domain)
    XCTAssertEqual(guest.requestsIgnoredWhileBusy, 1)
    XCTAssertEqual(guest.suspendRequestsSeen, 1)
    XCTAssertEqual(guest.acknowledgements, 1, "the ignored request stays unanswered")
    await clock.advance(by: .seconds(1))
    let suspended = await eventually { (try? host.domainInfo(domain))?.isSuspended == true }
    XCTAssertTrue(suspended)
    guest = host.observations(of: domain)
    XCTAssertEqual(guest.suspendsCompleted, 1)
  }

  func testAnAcknowledgementDuringTheWithdrawTransactionMakesItsCommitFail() async throws {
    let clock = TestClock<Duration>()
    let host = SimulatedXenHost(clock: clock, reactionDelays: GuestReactionDelays(acknowledgement: .seconds(60)))
    let domain = host.createDomain(.pv())
    let path = XenStorePath.controlShutdown(of: domain)
    try host.write(path, value: "suspend")
    let transaction = try host.startTransaction()
    XCTAssertEqual(try host.read(path, transaction: transaction), "suspend")
    await clock.advance(by: .seconds(60))
    let acknowledged = await eventually { host.observations(of: domain).acknowledgements == 1 }
    XCTAssertTrue(acknowledged)
    try host.write(path, value: "", transaction: transaction)
    assertXenError(.resourceTemporarilyUnavailable, try host.endTransaction(transaction, commit: true))
    XCTAssertEqual(try host.read(path), "", "re-read: the guest answered at the last moment")
  }

  func testAToolstackTimeoutOnAnIgnoringGuestNeedsNoRealWaiting() async throws {
    let clock = TestClock<Duration>()
    let host = SimulatedXenHost(clock: clock)
    let domain = host.createDomain(.pv(behaviour: .ignoresSuspendRequest))
    let toolstack = HandDrivenToolstack(host: host)
    let watch = try await toolstack.watch(XenStorePath.controlShutdown(of: domain))
    try toolstack.requestSuspend(domain)
    _ = try await host.nextWatchEvent(watch)

    let started = ContinuousClock.now
    let outcome = Task { () -> String in
      try await withThrowingTaskGroup(of: String.self) { group in
        group.addTask {
          while true {
            _ = try await host.nextWatchEvent(watch)
            if try host.read(XenStorePath.controlShutdown(of: domain)) != "suspend" { return "acknowledged" }
          }
        }
        group.addTask {
          try await clock.sleep(for: .seconds(60))
          return "timed out"
        }
        let first = try await group.next()!
        group.cancelAll()
        return first
      }
    }
    let parked = await eventually { host.waitingTaskCount == 1 }
    XCTAssertTrue(parked)
    await clock.advance(by: .seconds(60))
    let result = try await outcome.value
    XCTAssertEqual(result, "timed out")
    XCTAssertLessThan(ContinuousClock.now - started, .seconds(10))
    XCTAssertEqual(host.waitingTaskCount, 0, "the cancelled wait left nothing behind")
    XCTAssertNotNil(host.queuedEventCount(of: watch), "and the watch is still there")
  }

}

/// A `TestClock` that records, for each sleep started on it, the thread that started it.
private final class SleepRecordingClock: Clock, Sendable {
  let test = TestClock<Duration>()
  private let started = Mutex<[pthread_t]>([])

  var sleepThreads: [pthread_t] { started.withLock { $0 } }
  var now: TestClock<Duration>.Instant { test.now }
  var minimumResolution: Duration { test.minimumResolution }

  func sleep(until deadline: TestClock<Duration>.Instant, tolerance: Duration?) async throws {
    started.withLock { $0.append(pthread_self()) }
    try await test.sleep(until: deadline, tolerance: tolerance)
  }
}
