import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// `XEN_DOMCTL_soft_reset` and the calls that rebuild a guest's channels after it (`EVTCHNOP_alloc_unbound`,
/// `xc_evtchn_status`, `xc_hvm_param_set`, XS_INTRODUCE, xenconsoled's `console/port`), written call by call so
/// that a toolstack missing a step fails here without the library's controller.
final class SoftResetTests: XCTestCase {
  /// A guest suspended through xenstore, then paused by the toolstack: what a soft reset needs.
  private func suspendedAndPaused(
    _ guest: SimulatedGuest, on host: SimulatedXenHost = SimulatedXenHost()
  ) throws -> (SimulatedXenHost, DomainID) {
    let domain = host.createDomain(guest)
    try HandDrivenToolstack(host: host).requestSuspend(domain)
    XCTAssertTrue(try host.domainInfo(domain).isSuspended)
    try host.pauseDomain(domain)
    return (host, domain)
  }

  private func rebuild(_ domain: DomainID, on host: SimulatedXenHost, introduce: Bool = true) throws {
    try HandDrivenToolstack(host: host).rebuildAfterSoftReset(domain, introduce: introduce)
  }

  private func assertBoundByDom0(
    _ host: SimulatedXenHost, _ domain: DomainID, _ port: UInt32, file: StaticString = #filePath, line: UInt = #line
  ) {
    do {
      let status = try host.eventChannelStatus(of: domain, port: EventChannelPort(port))
      guard case .interdomain(let remote, _) = status else {
        return XCTFail("port \(port) of domain \(domain) is \(status)", file: file, line: line)
      }
      XCTAssertEqual(remote, .dom0, file: file, line: line)
    } catch {
      XCTFail("xc_evtchn_status failed: \(error)", file: file, line: line)
    }
  }

  // MARK: What a domain starts with

  func testEveryGuestStartsWithStorePortOneAndConsolePortTwoBoundInDom0AndHVMContainersGetTheirParameters() throws {
    let host = SimulatedXenHost()
    for guest in [SimulatedGuest.pv(), .pvh(kernel: .linux), .pvhvm(kernel: .linux), .hvm()] {
      let domain = host.createDomain(guest)
      assertBoundByDom0(host, domain, 1)
      assertBoundByDom0(host, domain, 2)
      XCTAssertEqual(try host.read(XenStorePath.consolePort(of: domain)), "2", "\(guest)")
      XCTAssertEqual(try host.eventChannelStatus(of: domain, port: EventChannelPort(3)), .closed, "\(guest)")
      if guest.type.isHVMContainer {
        XCTAssertEqual(try host.hvmParameter(.storeEventChannel, of: domain), 1, "\(guest)")
        XCTAssertEqual(try host.hvmParameter(.consoleEventChannel, of: domain), 2, "\(guest)")
        XCTAssertNotEqual(try host.hvmParameter(.storeFrame, of: domain), 0, "\(guest)")
        XCTAssertNotEqual(try host.hvmParameter(.consoleFrame, of: domain), 0, "\(guest)")
      }
      let observations = host.observations(of: domain)
      XCTAssertEqual(observations.xenstoreConnected, guest.type.isPVAware, "\(guest)")
      XCTAssertEqual(observations.consoleConnected, guest.type.isPVAware, "\(guest)")
    }
  }

  func testASuspendPortIsAllocatedAfterTheStoreAndConsolePorts() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvhvm(suspendEventChannel: true))
    XCTAssertEqual(host.observations(of: domain).advertisedSuspendPort, EventChannelPort(3))
    XCTAssertEqual(try host.eventChannelStatus(of: domain, port: EventChannelPort(3)), .unbound(remote: .dom0))
    let local = try host.bindInterdomainEventChannel(to: domain, remotePort: EventChannelPort(3))
    XCTAssertEqual(
      try host.eventChannelStatus(of: domain, port: EventChannelPort(3)), .interdomain(remote: .dom0, remotePort: local)
    )
    XCTAssertEqual(
      try host.eventChannelStatus(of: .dom0, port: local), .interdomain(remote: domain, remotePort: EventChannelPort(3))
    )
  }

  // MARK: Refusals

  func testSoftResetIsEINVALWithNothingChangedUnlessTheDomainIsShutDown() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvh(vcpus: 2, kernel: .linux))
    try host.pauseDomain(domain)
    assertXenError(.invalidArgument, try host.softResetDomain(domain), "a running (paused) domain")
    assertBoundByDom0(host, domain, 1)
    assertBoundByDom0(host, domain, 2)
    XCTAssertEqual(host.registeredVCPUInfoCount(of: domain), 2)
    XCTAssertEqual(host.domainState(of: domain), .paused)
    try host.unpauseDomain(domain)
    XCTAssertEqual(host.domainState(of: domain), .running)
    XCTAssertTrue(host.observations(of: domain).isHealthy)
  }

  func testSoftResetIsEINVALWithNothingChangedUnlessTheToolstackPausedTheDomain() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvhvm(vcpus: 2, kernel: .linux))
    try HandDrivenToolstack(host: host).requestSuspend(domain)
    // Suspended, every vcpu paused for shutdown, but evtchn_reset refuses a domain its controller did not pause.
    assertXenError(.invalidArgument, try host.softResetDomain(domain))
    XCTAssertEqual(try host.domainInfo(domain).shutdownReason, .suspend)
    assertBoundByDom0(host, domain, 1)
    assertBoundByDom0(host, domain, 2)
    XCTAssertEqual(host.registeredVCPUInfoCount(of: domain), 2)
    XCTAssertEqual(host.observations(of: domain).phase, .suspended)
    // The guest is untouched: a fast resume still brings it back.
    try HandDrivenToolstack(host: host).fastResume(domain)
    XCTAssertTrue(host.observations(of: domain).isHealthy)
    XCTAssertEqual(host.observations(of: domain).resumesCancelled, 1)
  }

  func testSoftResetOfDomain0IsEINVALAndOfAMissingDomainESRCH() {
    let host = SimulatedXenHost()
    assertXenError(.invalidArgument, try host.softResetDomain(.dom0))
    assertXenError(.noSuchProcess, try host.softResetDomain(DomainID(42)))
  }

  func testSoftResetOfAPVDomainIsEINVALAfterXenClosedItsChannelsAndItsGuestIsDead() throws {
    let (host, domain) = try suspendedAndPaused(.pv(vcpus: 2, kernel: .linux))
    assertXenError(.invalidArgument, try host.softResetDomain(domain))
    // arch_domain_soft_reset fails only after evtchn_reset, and domain_crash on a domain already shut down keeps
    // its first shutdown code: Xen still reports the suspend, with nothing left to resume.
    XCTAssertEqual(try host.domainInfo(domain).shutdownReason, .suspend)
    XCTAssertEqual(try host.eventChannelStatus(of: domain, port: EventChannelPort(1)), .closed)
    XCTAssertEqual(try host.eventChannelStatus(of: domain, port: EventChannelPort(2)), .closed)
    XCTAssertEqual(host.registeredVCPUInfoCount(of: domain), 0)
    let observations = host.observations(of: domain)
    XCTAssertFalse(observations.isHealthy)
    XCTAssertEqual(observations.phase, .dead)
    XCTAssertTrue(observations.failure?.contains("soft_reset of a PV domain") ?? false, "\(observations)")
    XCTAssertFalse(observations.xenstoreConnected)
  }

  // MARK: A successful soft reset

  func testASoftResetClosesEveryChannelDropsVCPUInfoAndHoldsTheDomainPausedWithoutTheGuestRunning() throws {
    for guest in [SimulatedGuest.pvh(vcpus: 2, kernel: .linux), .pvhvm(vcpus: 3, kernel: .linux)] {
      let (host, domain) = try suspendedAndPaused(guest)
      let before = host.observations(of: domain)
      try host.softResetDomain(domain)
      XCTAssertEqual(try host.eventChannelStatus(of: domain, port: EventChannelPort(1)), .closed, "\(guest)")
      XCTAssertEqual(try host.eventChannelStatus(of: domain, port: EventChannelPort(2)), .closed, "\(guest)")
      XCTAssertEqual(host.registeredVCPUInfoCount(of: domain), 0, "\(guest)")
      let info = try host.domainInfo(domain)
      XCTAssertFalse(info.isShutdown, "\(guest): Xen resumed it")
      XCTAssertEqual(DomainState(info), .paused, "\(guest): the toolstack's pause is kept")
      var after = host.observations(of: domain)
      XCTAssertFalse(after.xenstoreConnected, "\(guest)")
      XCTAssertFalse(after.consoleConnected, "\(guest)")
      // Nothing else about the guest changed: it has not run.
      after.xenstoreConnected = before.xenstoreConnected
      after.consoleConnected = before.consoleConnected
      XCTAssertEqual(after, before, "\(guest)")
      XCTAssertEqual(after.phase, .suspended, "\(guest)")
    }
  }

  func testDom0sEndsOfTheClosedChannelsAreLeftUnboundForTheGuest() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvh(suspendEventChannel: true))
    let local = try host.bindInterdomainEventChannel(to: domain, remotePort: EventChannelPort(3))
    try HandDrivenToolstack(host: host).requestSuspend(domain)
    try host.pauseDomain(domain)
    try host.softResetDomain(domain)
    XCTAssertEqual(try host.eventChannelStatus(of: domain, port: EventChannelPort(3)), .closed)
    XCTAssertEqual(try host.eventChannelStatus(of: .dom0, port: local), .unbound(remote: domain))
    XCTAssertEqual(host.boundPortCount(to: domain), 0, "the toolstack's port leads nowhere now")
    XCTAssertEqual(host.boundPortCount, 1, "but it is still the toolstack's to unbind")
    try host.notify(local)  // dropped silently, as Xen drops it
    try host.unbind(local)
    XCTAssertEqual(host.suspendSubscription(of: domain), nil)
  }

  func testTheSuspendSubscriptionSurvivesASoftReset() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvh(suspendEventChannel: true))
    _ = try host.bindInterdomainEventChannel(to: domain, remotePort: EventChannelPort(3))
    try host.subscribeForSuspend(domain, port: EventChannelPort(3))
    try host.shutdownDomain(domain, reason: .suspend)
    try host.pauseDomain(domain)
    try host.softResetDomain(domain)
    XCTAssertEqual(host.suspendSubscription(of: domain), EventChannelPort(3))
  }

  func testAPureHVMGuestWithoutPVDriversRunsOnAfterASoftReset() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.hvm(vcpus: 2))
    try host.shutdownDomain(domain, reason: .suspend)
    try host.pauseDomain(domain)
    try host.softResetDomain(domain)
    XCTAssertEqual(host.domainState(of: domain), .paused)
    try host.unpauseDomain(domain)
    XCTAssertEqual(host.domainState(of: domain), .running)
    let observations = host.observations(of: domain)
    XCTAssertTrue(observations.isHealthy, observations.failure ?? "")
    XCTAssertEqual(observations.resumesUnnoticed, 1)
  }

  // MARK: Allocating, statuses, parameters

  func testAllocUnboundHandsOutTheLowestFreePortForTheRemoteFromOneAfterASoftReset() throws {
    let (host, domain) = try suspendedAndPaused(.pvh(kernel: .linux))
    try host.softResetDomain(domain)
    XCTAssertEqual(try host.allocateUnboundEventChannel(in: domain, remote: .dom0), EventChannelPort(1))
    XCTAssertEqual(try host.eventChannelStatus(of: domain, port: EventChannelPort(1)), .unbound(remote: .dom0))
    XCTAssertEqual(try host.allocateUnboundEventChannel(in: domain, remote: DomainID(7)), EventChannelPort(2))
    XCTAssertEqual(try host.eventChannelStatus(of: domain, port: EventChannelPort(2)), .unbound(remote: DomainID(7)))
    XCTAssertEqual(try host.allocateUnboundEventChannel(in: domain, remote: .dom0), EventChannelPort(3))
    assertXenError(.noSuchProcess, try host.allocateUnboundEventChannel(in: DomainID(42), remote: .dom0))
  }

  func testAllocUnboundOnARunningGuestTakesThePortAfterItsOwn() throws {
    let host = SimulatedXenHost()
    let plain = host.createDomain(.pvhvm())
    let withSuspendPort = host.createDomain(.pvhvm(suspendEventChannel: true))
    XCTAssertEqual(try host.allocateUnboundEventChannel(in: plain, remote: .dom0), EventChannelPort(3))
    XCTAssertEqual(try host.allocateUnboundEventChannel(in: withSuspendPort, remote: .dom0), EventChannelPort(4))
  }

  func testStatusOfPortZeroIsClosedAndPortsPastTheValidOnesAreEINVAL() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvh())
    // Port 0 is reserved (ECS_RESERVED), which Xen's EVTCHNOP_status reports as closed.
    XCTAssertEqual(try host.eventChannelStatus(of: domain, port: EventChannelPort(0)), .closed)
    XCTAssertEqual(try host.eventChannelStatus(of: domain, port: EventChannelPort(63)), .closed)
    assertXenError(.invalidArgument, try host.eventChannelStatus(of: domain, port: EventChannelPort(64)))
    assertXenError(.noSuchProcess, try host.eventChannelStatus(of: DomainID(42), port: EventChannelPort(1)))
  }

  func testSetHVMParameterStoresTheValueForHVMContainersOnly() throws {
    let host = SimulatedXenHost()
    let pvh = host.createDomain(.pvh())
    let pv = host.createDomain(.pv())
    try host.setHVMParameter(.storeEventChannel, of: pvh, to: 9)
    XCTAssertEqual(try host.hvmParameter(.storeEventChannel, of: pvh), 9)
    assertXenError(.invalidArgument, try host.setHVMParameter(.storeEventChannel, of: pv, to: 9))
    assertXenError(.invalidArgument, try host.setHVMParameter(HVMParameter(rawValue: 39), of: pvh, to: 1))
    assertXenError(.noSuchProcess, try host.setHVMParameter(.storeEventChannel, of: DomainID(42), to: 1))
  }

  // MARK: xenstored and xenconsoled

  func testIntroduceBindsTheNewStorePortToXenstored() throws {
    let (host, domain) = try suspendedAndPaused(.pvh(kernel: .linux))
    try host.softResetDomain(domain)
    let port = try host.allocateUnboundEventChannel(in: domain, remote: .dom0)
    try host.introduceDomain(domain, storeFrame: try host.hvmParameter(.storeFrame, of: domain), storePort: port)
    assertBoundByDom0(host, domain, port.rawValue)
  }

  func testIntroduceWithAPortNotUnboundForDom0IsAcknowledgedButBindsNothing() throws {
    let (host, domain) = try suspendedAndPaused(.pvh(kernel: .linux))
    try host.softResetDomain(domain)
    let forAnother = try host.allocateUnboundEventChannel(in: domain, remote: DomainID(9))
    let storeFrame = try host.hvmParameter(.storeFrame, of: domain)
    // C xenstored acknowledges even though its bind failed.
    try host.introduceDomain(domain, storeFrame: storeFrame, storePort: forAnother)
    XCTAssertEqual(try host.eventChannelStatus(of: domain, port: forAnother), .unbound(remote: DomainID(9)))
    try host.introduceDomain(domain, storeFrame: storeFrame, storePort: EventChannelPort(5))
    XCTAssertEqual(try host.eventChannelStatus(of: domain, port: EventChannelPort(5)), .closed)
    assertXenError(.invalidArgument, try host.introduceDomain(domain, storeFrame: storeFrame, storePort: .init(0)))
    assertXenError(.invalidArgument, try host.introduceDomain(DomainID(42), storeFrame: 1, storePort: .init(1)))
  }

  func testIntroducingARunningGuestAgainOnItsOwnPortKeepsItsXenStore() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvhvm(kernel: .linux))
    try host.introduceDomain(domain, storeFrame: 0x10, storePort: EventChannelPort(1))
    assertBoundByDom0(host, domain, 1)
    XCTAssertTrue(host.observations(of: domain).xenstoreConnected)
    try HandDrivenToolstack(host: host).fastCycle(domain)
    XCTAssertEqual(host.observations(of: domain).resumesCancelled, 1)
  }

  func testWritingConsolePortMakesXenconsoledBindThatPort() throws {
    let (host, domain) = try suspendedAndPaused(.pvhvm(kernel: .linux))
    try host.softResetDomain(domain)
    let storePort = try host.allocateUnboundEventChannel(in: domain, remote: .dom0)
    let consolePort = try host.allocateUnboundEventChannel(in: domain, remote: .dom0)
    XCTAssertEqual(try host.eventChannelStatus(of: domain, port: consolePort), .unbound(remote: .dom0))
    // The same number as before the reset: xenconsoled finds its old binding dead and binds again.
    XCTAssertEqual(consolePort, EventChannelPort(2))
    try host.write(XenStorePath.consolePort(of: domain), value: String(consolePort.rawValue))
    assertBoundByDom0(host, domain, consolePort.rawValue)
    XCTAssertEqual(
      try host.eventChannelStatus(of: domain, port: storePort), .unbound(remote: .dom0), "xenconsoled's only")
    // Naming a port that is not unbound for domain 0 leaves xenconsoled holding none.
    try host.write(XenStorePath.consolePort(of: domain), value: "7")
    XCTAssertEqual(try host.eventChannelStatus(of: domain, port: consolePort), .unbound(remote: .dom0))
  }

  // MARK: The guest after a soft reset

  func testAGuestRebuiltCompletelyWakesAsANewDomainWithItsChannelsAndAnswersLaterRequests() throws {
    for guest in [SimulatedGuest.pvh(vcpus: 2, kernel: .linux), .pvhvm(kernel: .linux), .pvhvm(vcpus: 2)] {
      let (host, domain) = try suspendedAndPaused(guest)
      try host.softResetDomain(domain)
      try rebuild(domain, on: host)
      XCTAssertEqual(host.observations(of: domain).resumesAsNewDomain, 0, "\(guest): not before the unpause")
      try host.unpauseDomain(domain)
      let observations = host.observations(of: domain)
      XCTAssertTrue(observations.isHealthy, "\(guest): \(observations.failure ?? "")")
      XCTAssertEqual(observations.resumesAsNewDomain, 1, "\(guest)")
      XCTAssertEqual(observations.driverReconnects, 1, "\(guest)")
      XCTAssertTrue(observations.xenstoreConnected, "\(guest)")
      XCTAssertTrue(observations.consoleConnected, "\(guest)")
      if guest.kernel == .linux {
        XCTAssertEqual(host.registeredVCPUInfoCount(of: domain), guest.vcpus, "\(guest)")
        XCTAssertEqual(observations.vcpuInfoRegistrations, 2 * guest.vcpus, "\(guest): at boot, and once again")
      }
      XCTAssertEqual(host.domainState(of: domain), .running)
      try HandDrivenToolstack(host: host).fastCycle(domain)
      XCTAssertEqual(host.observations(of: domain).resumesCancelled, 1, "\(guest)")
      XCTAssertTrue(host.observations(of: domain).isHealthy, "\(guest)")
    }
  }

  func testAToolstackThatSkipsTheIntroduceLeavesTheGuestsXenStoreDead() throws {
    for guest in [SimulatedGuest.pvh(kernel: .linux), .pvhvm(kernel: .linux)] {
      let host = SimulatedXenHost()
      let domain = host.createDomain(guest)
      try HandDrivenToolstack(host: host).requestSuspend(domain)
      // Everything but XS_INTRODUCE (and the console), call by call.
      try host.pauseDomain(domain)
      try host.softResetDomain(domain)
      let storePort = try host.allocateUnboundEventChannel(in: domain, remote: .dom0)
      try host.setHVMParameter(.storeEventChannel, of: domain, to: UInt64(storePort.rawValue))
      try host.resumeDomainInXenStore(domain)
      try host.unpauseDomain(domain)

      let observations = host.observations(of: domain)
      XCTAssertEqual(observations.resumesAsNewDomain, 1, "\(guest)")
      XCTAssertFalse(observations.xenstoreConnected, "\(guest)")
      XCTAssertFalse(observations.consoleConnected, "\(guest)")
      XCTAssertFalse(observations.isHealthy, "\(guest)")
      let failure = observations.failure ?? ""
      XCTAssertTrue(failure.contains("xenstore is dead"), failure)
      XCTAssertTrue(failure.contains("HVM_PARAM_STORE_EVTCHN names port 1"), failure)
      XCTAssertTrue(failure.contains("XS_INTRODUCE"), failure)
      XCTAssertEqual(observations.driverReconnects, 0, "\(guest)")
      // It runs, but never hears of a later request.
      XCTAssertEqual(host.domainState(of: domain), .running)
      try HandDrivenToolstack(host: host).requestSuspend(domain)
      XCTAssertEqual(host.observations(of: domain).suspendRequestsSeen, 1, "\(guest): only the first")
      XCTAssertEqual(host.domainState(of: domain), .running)
      // Introducing it now is too late: its xenbus gave up when it woke.
      try host.introduceDomain(domain, storeFrame: 0x10, storePort: storePort)
      XCTAssertFalse(host.observations(of: domain).xenstoreConnected, "\(guest)")
    }
  }

  func testAStorePortParameterLeftAtTheOldPortAlsoLeavesXenStoreDead() throws {
    let (host, domain) = try suspendedAndPaused(.pvh(kernel: .linux))
    try host.softResetDomain(domain)
    _ = try host.allocateUnboundEventChannel(in: domain, remote: DomainID(5))  // takes port 1
    let storePort = try host.allocateUnboundEventChannel(in: domain, remote: .dom0)
    try host.introduceDomain(domain, storeFrame: 0x10, storePort: storePort)
    // HVM_PARAM_STORE_EVTCHN still names port 1, which xenstored is not bound to.
    try host.resumeDomainInXenStore(domain)
    try host.unpauseDomain(domain)
    let observations = host.observations(of: domain)
    XCTAssertFalse(observations.xenstoreConnected)
    XCTAssertTrue(observations.failure?.contains("while xenstored is bound to port 2") ?? false, "\(observations)")
  }

  func testAConsoleNotRebuiltLeavesTheGuestRunningWithADeadConsole() throws {
    let (host, domain) = try suspendedAndPaused(.pvhvm(kernel: .linux))
    try host.softResetDomain(domain)
    let storePort = try host.allocateUnboundEventChannel(in: domain, remote: .dom0)
    try host.setHVMParameter(.storeEventChannel, of: domain, to: UInt64(storePort.rawValue))
    try host.introduceDomain(domain, storeFrame: 0x10, storePort: storePort)
    try host.resumeDomainInXenStore(domain)
    try host.unpauseDomain(domain)
    let observations = host.observations(of: domain)
    XCTAssertTrue(observations.isHealthy, observations.failure ?? "")
    XCTAssertTrue(observations.xenstoreConnected)
    XCTAssertFalse(observations.consoleConnected)
  }

  func testAGuestWokenWithItsSuspendCancelledAfterASoftResetRunsOnDeadChannels() throws {
    let (host, domain) = try suspendedAndPaused(.pvhvm(kernel: .linux))
    try host.softResetDomain(domain)
    try rebuild(domain, on: host)
    var context = try host.vcpuContext(of: domain, vcpu: 0, width: .bits64)
    context.returnRegister = 1
    try host.setVCPUContext(context, of: domain, vcpu: 0)
    try host.unpauseDomain(domain)
    let observations = host.observations(of: domain)
    XCTAssertEqual(observations.resumesCancelled, 1)
    XCTAssertFalse(observations.isHealthy)
    XCTAssertTrue(observations.failure?.contains("cancelled after XEN_DOMCTL_soft_reset") ?? false, "\(observations)")
    XCTAssertFalse(observations.xenstoreConnected)
    XCTAssertFalse(observations.consoleConnected)
  }

  func testAGuestWithASuspendPortAdvertisesANewOneAfterTheRebuiltPorts() throws {
    let (host, domain) = try suspendedAndPaused(.pvhvm(suspendEventChannel: true))
    try host.softResetDomain(domain)
    try rebuild(domain, on: host)
    try host.unpauseDomain(domain)
    let observations = host.observations(of: domain)
    XCTAssertTrue(observations.isHealthy, observations.failure ?? "")
    XCTAssertEqual(observations.advertisedSuspendPort, EventChannelPort(3))
    XCTAssertEqual(try host.read(XenStorePath.suspendEventChannel(of: domain)), "3")
    XCTAssertEqual(try host.eventChannelStatus(of: domain, port: EventChannelPort(3)), .unbound(remote: .dom0))
  }

  // MARK: Tracing and faults

  func testTheNewCallsAreTracedAndAnInjectedFaultFailsThemBeforeAnyEffect() throws {
    let (host, domain) = try suspendedAndPaused(.pvh(kernel: .linux))
    host.clearTrace()
    host.injectFault(.softResetDomain, errno: .ioError, domain: domain)
    assertXenError(.ioError, try host.softResetDomain(domain))
    XCTAssertEqual(try host.domainInfo(domain).shutdownReason, .suspend, "the injected failure changed nothing")
    try host.softResetDomain(domain)

    let operations: [XenHostOperation] = [
      .allocateUnboundEventChannel, .setHVMParameter, .introduceDomain, .eventChannelStatus, .unpauseDomain,
      .pauseDomain,
    ]
    for operation in operations { host.injectFault(operation, errno: .permissionDenied, domain: domain) }
    assertXenError(.permissionDenied, try host.allocateUnboundEventChannel(in: domain, remote: .dom0))
    assertXenError(.permissionDenied, try host.setHVMParameter(.storeEventChannel, of: domain, to: 1))
    assertXenError(.permissionDenied, try host.introduceDomain(domain, storeFrame: 0x10, storePort: .init(1)))
    assertXenError(.permissionDenied, try host.eventChannelStatus(of: domain, port: .init(1)))
    assertXenError(.permissionDenied, try host.unpauseDomain(domain))
    assertXenError(.permissionDenied, try host.pauseDomain(domain))
    XCTAssertEqual(host.pendingFaultCount, 0)
    XCTAssertEqual(try host.eventChannelStatus(of: domain, port: .init(1)), .closed, "nothing was allocated")
    XCTAssertEqual(host.domainState(of: domain), .paused, "nor unpaused")

    let records = host.trace
    XCTAssertEqual(
      records.map(\.operation),
      [.softResetDomain, .domainInfo, .softResetDomain] + operations + [.eventChannelStatus])
    XCTAssertEqual(records[0].outcome, .failed(.ioError, injected: true))
    XCTAssertTrue(records[2].succeeded)
    for record in records.dropFirst(3).prefix(operations.count) {
      XCTAssertEqual(record.outcome, .failed(.permissionDenied, injected: true), "\(record)")
    }
    XCTAssertEqual(records.last?.outcome, .succeeded(.eventChannelStatus(.closed)))
    XCTAssertEqual(records.last?.arguments, .portOfDomain(EventChannelPort(1)))
  }

  func testTraceSummariesOfTheNewCalls() throws {
    let (host, domain) = try suspendedAndPaused(.pvh(kernel: .linux))
    try host.softResetDomain(domain)
    host.clearTrace()
    let port = try host.allocateUnboundEventChannel(in: domain, remote: .dom0)
    try host.setHVMParameter(.storeEventChannel, of: domain, to: UInt64(port.rawValue))
    try host.introduceDomain(domain, storeFrame: 0x10, storePort: port)
    _ = try host.eventChannelStatus(of: domain, port: port)
    let lines = host.trace.map { $0.description.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "" }
    XCTAssertEqual(
      lines,
      [
        "xc_evtchn_alloc_unbound(domain \(domain)) for domain 0 -> ok: port 1",
        "xc_hvm_param_set(domain \(domain)) HVM_PARAM_STORE_EVTCHN = 1 -> ok",
        "xs_introduce_domain(domain \(domain)) store frame 0x10, store port 1 -> ok",
        "xc_evtchn_status(domain \(domain)) port 1 -> ok: bound to domain 0's port \(boundLocalPort(host, domain))",
      ])
  }

  private func boundLocalPort(_ host: SimulatedXenHost, _ domain: DomainID) -> String {
    guard case .interdomain(_, let port)? = try? host.eventChannelStatus(of: domain, port: .init(1)) else { return "?" }
    return port.description
  }
}
