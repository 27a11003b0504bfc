import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

final class EventChannelTests: XCTestCase {
  /// The guest's advertised port, read as libxl reads it.
  private func advertisedPort(_ host: SimulatedXenHost, _ domain: DomainID) throws -> EventChannelPort {
    let value = try XCTUnwrap(try host.read(XenStorePath.suspendEventChannel(of: domain)))
    return EventChannelPort(try XCTUnwrap(UInt32(value), "not a port: \"\(value)\""))
  }

  func testAGuestWithASuspendChannelWritesItsPortAndLinuxNeverDoes() throws {
    let host = SimulatedXenHost()
    let generic = host.createDomain(.pv(suspendEventChannel: true))
    let classic = host.createDomain(.pv(kernel: .xenLinuxClassic))
    let linux = host.createDomain(.pv(suspendEventChannel: true, kernel: .linux))
    let hvm = host.createDomain(.pvhvm(suspendEventChannel: true))
    for domain in [generic, classic, hvm] {
      XCTAssertEqual(try advertisedPort(host, domain), host.observations(of: domain).advertisedSuspendPort)
    }
    XCTAssertEqual(try host.read(XenStorePath.suspendEventChannel(of: linux)), "")
    XCTAssertNil(host.observations(of: linux).advertisedSuspendPort)
    XCTAssertFalse(SimulatedGuest.pv(suspendEventChannel: true, kernel: .linux).advertisesSuspendEventChannel)
  }

  func testBindingLeavesTheNewLocalPortPendingOnce() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(suspendEventChannel: true))
    let local = try host.bindInterdomainEventChannel(to: domain, remotePort: try advertisedPort(host, domain))
    XCTAssertNotEqual(local, try advertisedPort(host, domain), "local ports live in domain 0's own port space")
    XCTAssertTrue(try host.consumePendingEvent(on: local))
    XCTAssertFalse(try host.consumePendingEvent(on: local))
  }

  func testBindingAPortTheGuestDidNotAllocateOrBindingItTwiceIsEINVAL() throws {
    let host = SimulatedXenHost()
    let withChannel = host.createDomain(.pv(suspendEventChannel: true))
    let without = host.createDomain(.pv())
    let port = try advertisedPort(host, withChannel)
    assertXenError(.invalidArgument, try host.bindInterdomainEventChannel(to: without, remotePort: port))
    assertXenError(
      .invalidArgument, try host.bindInterdomainEventChannel(to: withChannel, remotePort: EventChannelPort(9)))
    _ = try host.bindInterdomainEventChannel(to: withChannel, remotePort: port)
    assertXenError(
      .invalidArgument, try host.bindInterdomainEventChannel(to: withChannel, remotePort: port),
      "Xen: the remote port is no longer unbound")
  }

  func testAnEventChannelSuspendSignalsTheSubscribedChannelInsteadOfReleaseDomain() async throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pv(suspendEventChannel: true))
    let release = try await toolstack.watch(XenStorePath.releaseDomain)
    let remote = try advertisedPort(host, domain)
    try host.acquireSuspendLock(for: domain)
    let local = try host.bindInterdomainEventChannel(to: domain, remotePort: remote)
    XCTAssertTrue(try host.consumePendingEvent(on: local))
    try host.subscribeForSuspend(domain, port: remote)
    try host.notify(local)

    XCTAssertTrue(try host.domainInfo(domain).isSuspended)
    XCTAssertTrue(try host.consumePendingEvent(on: local), "Xen signalled the suspend on the channel")
    XCTAssertEqual(host.queuedEventCount(of: release), 0, "instead of VIRQ_DOM_EXC")
    XCTAssertEqual(try host.read(XenStorePath.controlShutdown(of: domain)), "", "no xenstore request involved")
    let guest = host.observations(of: domain)
    XCTAssertEqual(guest.suspendRequestsSeen, 1)
    XCTAssertEqual(guest.acknowledgements, 0)
    XCTAssertEqual(guest.suspendsCompleted, 1)

    try toolstack.fastResume(domain)
    try toolstack.finishResume(domain)
    try host.unbind(local)
    try host.releaseSuspendLock(for: domain)
    XCTAssertTrue(host.observations(of: domain).isHealthy)
    XCTAssertEqual(host.boundPortCount, 0)
  }

  func testSubscribingWithTheLocalPortSilencesTheSuspendNotification() async throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pv(suspendEventChannel: true))
    let release = try await toolstack.watch(XenStorePath.releaseDomain)
    let local = try host.bindInterdomainEventChannel(to: domain, remotePort: try advertisedPort(host, domain))
    _ = try host.consumePendingEvent(on: local)
    try host.subscribeForSuspend(domain, port: local)
    try host.notify(local)
    XCTAssertTrue(try host.domainInfo(domain).isSuspended)
    XCTAssertFalse(try host.consumePendingEvent(on: local), "Xen sent from a guest port that does not exist")
    XCTAssertEqual(host.queuedEventCount(of: release), 0, "and raised no VIRQ_DOM_EXC either")
  }

  func testAnEventChannelSuspendIsNoticedByTheNextVIRQForAnotherDomain() async throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pv(suspendEventChannel: true))
    let other = host.createDomain(.pv())
    let release = try await toolstack.watch(XenStorePath.releaseDomain)
    let remote = try advertisedPort(host, domain)
    let local = try host.bindInterdomainEventChannel(to: domain, remotePort: remote)
    try host.subscribeForSuspend(domain, port: remote)
    try host.notify(local)
    XCTAssertEqual(host.queuedEventCount(of: release), 0)
    try toolstack.requestSuspend(other)
    XCTAssertEqual(host.queuedEventCount(of: release), 1)
    try toolstack.fastResume(domain)
    try toolstack.fastResume(other)
    try toolstack.requestSuspend(other)
    XCTAssertEqual(host.queuedEventCount(of: release), 1, "both latched: no XS_RESUME for either")
  }

  func testUnsubscribingWithPortZeroBringsBackReleaseDomain() async throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pv(suspendEventChannel: true))
    let release = try await toolstack.watch(XenStorePath.releaseDomain)
    let remote = try advertisedPort(host, domain)
    let local = try host.bindInterdomainEventChannel(to: domain, remotePort: remote)
    try host.subscribeForSuspend(domain, port: remote)
    try host.unbind(local)
    try host.subscribeForSuspend(domain, port: EventChannelPort(0))
    try toolstack.requestSuspend(domain)
    XCTAssertEqual(host.queuedEventCount(of: release), 1)
  }

  func testWaitForEventReturnsWhenThePortFiresAndIsCancellable() async throws {
    let host = SimulatedXenHost(reactionDelays: GuestReactionDelays(suspension: .milliseconds(20)))
    let domain = host.createDomain(.pv(kernel: .xenLinuxClassic))
    let remote = try advertisedPort(host, domain)
    let local = try host.bindInterdomainEventChannel(to: domain, remotePort: remote)
    _ = try host.consumePendingEvent(on: local)
    try host.subscribeForSuspend(domain, port: remote)

    let cancelled = Task { try await host.waitForEvent(on: local) }
    let parked = await eventually { host.waitingTaskCount == 1 }
    XCTAssertTrue(parked)
    cancelled.cancel()
    do {
      try await cancelled.value
      XCTFail("a cancelled wait must throw")
    } catch {
      XCTAssertTrue(error is CancellationError, "\(error)")
    }

    try host.notify(local)
    try await host.waitForEvent(on: local)
    XCTAssertTrue(try host.domainInfo(domain).isSuspended)
  }

  func testPortsThisToolstackDidNotBindAreENOTCONNAndUnbindingFreesTheGuestsPort() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(suspendEventChannel: true))
    let unknown = EventChannelPort(500)
    assertXenError(.socketNotConnected, try host.notify(unknown))
    assertXenError(.socketNotConnected, try host.consumePendingEvent(on: unknown))
    assertXenError(.socketNotConnected, try host.unbind(unknown))
    do {
      try await host.waitForEvent(on: unknown)
      XCTFail("waiting on an unbound port must fail")
    } catch let error as XenCallError {
      XCTAssertEqual(error.errno, .socketNotConnected)
    }
    let remote = try advertisedPort(host, domain)
    let local = try host.bindInterdomainEventChannel(to: domain, remotePort: remote)
    try host.unbind(local)
    let again = try host.bindInterdomainEventChannel(to: domain, remotePort: remote)
    XCTAssertEqual(again, local, "Xen hands out the lowest free port")
  }

  func testNotifyingAChannelWhoseGuestIsGoneIsSilentlyDropped() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(suspendEventChannel: true))
    let local = try host.bindInterdomainEventChannel(to: domain, remotePort: try advertisedPort(host, domain))
    try host.destroyDomain(domain)
    XCTAssertNoThrow(try host.notify(local))
    try host.unbind(local)
  }

  func testAGuestResumedAsANewDomainAdvertisesAFreshChannelAndTheOldBindingIsDead() throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pv(vcpus: 2, kernel: .xenLinuxClassic))
    let remote = try advertisedPort(host, domain)
    let local = try host.bindInterdomainEventChannel(to: domain, remotePort: remote)
    _ = try host.consumePendingEvent(on: local)
    try host.subscribeForSuspend(domain, port: remote)
    try host.notify(local)
    XCTAssertTrue(try host.consumePendingEvent(on: local))
    try toolstack.slowResumePV(domain)
    try toolstack.finishResume(domain)
    XCTAssertTrue(host.observations(of: domain).isHealthy, host.observations(of: domain).failure ?? "")

    try host.notify(local)
    XCTAssertFalse(try host.domainInfo(domain).isShutdown, "the guest closed the old port")
    try host.unbind(local)
    let fresh = try host.bindInterdomainEventChannel(to: domain, remotePort: try advertisedPort(host, domain))
    try host.notify(fresh)
    XCTAssertTrue(try host.domainInfo(domain).isSuspended)
  }

  func testAGuestIgnoringRequestsIgnoresItsChannelToo() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(suspendEventChannel: true, behaviour: .ignoresSuspendRequest))
    let remote = try advertisedPort(host, domain)
    let local = try host.bindInterdomainEventChannel(to: domain, remotePort: remote)
    try host.subscribeForSuspend(domain, port: remote)
    try host.notify(local)
    XCTAssertFalse(try host.domainInfo(domain).isShutdown)
    XCTAssertEqual(host.observations(of: domain).suspendRequestsSeen, 1)
  }
}
