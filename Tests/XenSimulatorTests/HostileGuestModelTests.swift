import Clocks
import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// The hostile guest models do what a guest can do, and only that: xenstored's payload limit holds for them as for
/// anyone, and their mischief stays in their own nodes and ports.
final class HostileGuestModelTests: XCTestCase {
  func testAnEnormousAnswerIsTheLargestValueXenStoreAccepts() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    host.makeHostile(domain, .answersControlNode(with: .enormous))
    let path = XenStorePath.controlShutdown(of: domain)
    try host.write(path, value: "suspend")
    XCTAssertEqual(try host.read(path)?.utf8.count, 4096 - path.utf8.count - 1)
    XCTAssertEqual(host.observations(of: domain).acknowledgements, 1)
    XCTAssertEqual(host.observations(of: domain).suspendsCompleted, 0, "it never suspends")
  }

  func testAWatchStormRewritesTheRequestEveryTickUntilItIsWithdrawn() async throws {
    let clock = TestClock<Duration>()
    let host = SimulatedXenHost(clock: clock)
    let domain = host.createDomain(.pv())
    host.makeHostile(domain, .watchStorm(writesPerTick: 5, period: .seconds(1)))
    let path = XenStorePath.controlShutdown(of: domain)
    let watch = try host.watch(path)
    _ = try host.takeWatchEvent(watch)  // the registration event
    try host.write(path, value: "suspend")
    XCTAssertEqual(host.queuedEventCount(of: watch), 6, "our write and the first tick's five")
    await clock.advance(by: .seconds(1))
    let ticked = await eventuallyTrue { host.pendingReactionCount == 1 && host.queuedEventCount(of: watch) == 11 }
    XCTAssertTrue(ticked, "a second tick of five writes")
    try host.write(path, value: "")
    await clock.advance(by: .seconds(1))
    let ended = await eventuallyTrue { host.pendingReactionCount == 0 }
    XCTAssertTrue(ended)
    XCTAssertEqual(host.observations(of: domain).controlNodeRewrites, 10, "the withdrawn request ends the storm")
    XCTAssertEqual(host.observations(of: domain).acknowledgements, 0)
  }

  func testPortsThatLeadNowhereCannotBeBoundAndNeverReachAnotherGuest() throws {
    let host = SimulatedXenHost()
    let other = host.createDomain(.pv(suspendEventChannel: true))
    let nonexistent = host.createDomain(.pv(suspendEventChannel: true))
    let borrowed = host.createDomain(.pv())
    host.makeHostile(nonexistent, .advertisesPort(.nonexistent))
    host.makeHostile(borrowed, .advertisesPort(.anotherGuests(other)))
    for domain in [nonexistent, borrowed] {
      let advertised = try XCTUnwrap(try host.read(XenStorePath.suspendEventChannel(of: domain)).flatMap(UInt32.init))
      XCTAssertThrowsError(try host.bindInterdomainEventChannel(to: domain, remotePort: EventChannelPort(advertised))) {
        XCTAssertEqual(($0 as? XenCallError)?.errno, .invalidArgument)
      }
    }
    XCTAssertEqual(host.boundPortCount(to: other), 0)
  }

  func testAPortThatChangesOnEveryReadIsStaleOnceRead() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    host.makeHostile(domain, .advertisesPort(.changesOnEveryRead))
    let node = XenStorePath.suspendEventChannel(of: domain)
    let first = try XCTUnwrap(try host.read(node).flatMap(UInt32.init))
    let second = try XCTUnwrap(try host.read(node).flatMap(UInt32.init))
    XCTAssertEqual(second, first + 1)
    XCTAssertThrowsError(try host.bindInterdomainEventChannel(to: domain, remotePort: EventChannelPort(first)))
    XCTAssertEqual(host.observations(of: domain).advertisedSuspendPort, EventChannelPort(second + 1))
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
