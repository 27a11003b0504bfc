import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

final class DomainLifecycleTests: XCTestCase {
  func testDomainZeroIsTheToolstackDomainAndHasNoGuestModel() throws {
    let host = SimulatedXenHost()
    XCTAssertEqual(try host.toolstackDomain(), .dom0)
    XCTAssertEqual(host.domainIDs(), [.dom0])
    let info = try host.domainInfo(.dom0)
    XCTAssertFalse(info.isShutdown)
    XCTAssertFalse(info.isHVM)
    XCTAssertNil(host.guest(of: .dom0))
    XCTAssertEqual(host.observations(of: .dom0), GuestObservations())
  }

  func testDomainsGetIDsFromOneUpwardAndAFreedIDIsNotReusedAtOnce() throws {
    let host = SimulatedXenHost()
    let ids = (0..<3).map { _ in host.createDomain(.pv()) }
    XCTAssertEqual(ids, [1, 2, 3])
    try host.destroyDomain(2)
    XCTAssertEqual(host.createDomain(.hvm()), 4)
    XCTAssertEqual(host.domainIDs(), [0, 1, 3, 4])
  }

  func testDomainInfoEncodesEachGuestTypeAsXenDoes() throws {
    let host = SimulatedXenHost()
    let pv = host.createDomain(.pv(vcpus: 3))
    let pvhvm = host.createDomain(.pvhvm(vcpus: 2))
    let hvm = host.createDomain(.hvm())
    let pvh = host.createDomain(.pvh())

    let pvInfo = try host.domainInfo(pv)
    XCTAssertFalse(pvInfo.isHVM)
    XCTAssertEqual(pvInfo.emulationFlags, 0)
    XCTAssertEqual(pvInfo.maxVCPUID, 2)
    XCTAssertEqual(pvInfo.flags.rawShutdownCode, 255, "Xen reports 255 while not shut down")
    XCTAssertFalse(pvInfo.isShutdown)
    XCTAssertNil(pvInfo.shutdownReason)
    XCTAssertNotEqual(pvInfo.sharedInfoFrame, 0)
    XCTAssertTrue(pvInfo.flags.contains(.blocked))

    for domain in [pvhvm, hvm] {
      let info = try host.domainInfo(domain)
      XCTAssertTrue(info.isHVM)
      XCTAssertEqual(info.emulationFlags, 0x3FF, "libxl 4.17: XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI")
      XCTAssertFalse(info.isPVHContainer)
    }
    XCTAssertEqual(try host.domainInfo(pvhvm).maxVCPUID, 1)

    let pvhInfo = try host.domainInfo(pvh)
    XCTAssertTrue(pvhInfo.isHVM)
    XCTAssertEqual(pvhInfo.emulationFlags, DomainInfo.emulationFlagLocalAPIC)
    XCTAssertTrue(pvhInfo.isPVHContainer)
  }

  func testEveryDomainScopedCallOnAMissingDomainFailsWithESRCH() async throws {
    let host = SimulatedXenHost()
    let missing: DomainID = 42
    let context = VCPUContext(zeroedFor: .bits64)
    let calls: [(XenHostOperation, () throws -> Void)] = [
      (.domainInfo, { _ = try host.domainInfo(missing) }),
      (.hvmParameter, { _ = try host.hvmParameter(.callbackIRQ, of: missing) }),
      (.guestWidth, { _ = try host.guestWidth(of: missing) }),
      (.shutdownDomain, { try host.shutdownDomain(missing, reason: .suspend) }),
      (.resumeDomain, { try host.resumeDomain(missing) }),
      (.vcpuContext, { _ = try host.vcpuContext(of: missing, vcpu: 0, width: .bits64) }),
      (.setVCPUContext, { try host.setVCPUContext(context, of: missing, vcpu: 0) }),
      (.resetVCPU, { try host.resetVCPU(of: missing, vcpu: 1) }),
      (.readGuestMemory, { _ = try host.readGuestMemory(of: missing, frame: 0x10_0000, offset: 0, count: 1) }),
      (.writeGuestMemory, { try host.writeGuestMemory(of: missing, frame: 0x10_0000, offset: 0, bytes: [0]) }),
      (.bindInterdomainEventChannel, { _ = try host.bindInterdomainEventChannel(to: missing, remotePort: .init(3)) }),
      (.subscribeForSuspend, { try host.subscribeForSuspend(missing, port: .init(3)) }),
    ]
    for (operation, call) in calls {
      let error = assertXenError(.noSuchProcess, try call(), operation.rawValue)
      XCTAssertEqual(error?.call, operation.rawValue)
      XCTAssertEqual(error?.domain, missing)
    }
  }

  func testShutdownDomainStopsTheDomainAtOnceWithoutTheGuest() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    try host.shutdownDomain(domain, reason: .poweroff)
    let info = try host.domainInfo(domain)
    XCTAssertEqual(info.shutdownReason, .poweroff)
    XCTAssertEqual(info.flags.rawShutdownCode, ShutdownReason.poweroff.rawValue)
    XCTAssertFalse(info.flags.contains(.blocked))
    let guest = host.observations(of: domain)
    XCTAssertEqual(guest.phase, .stoppedByForce)
    XCTAssertEqual(guest.suspendsCompleted, 0)
    XCTAssertEqual(guest.suspendRequestsSeen, 0, "the guest was never asked")
  }

  func testShuttingDownADomainThatIsAlreadyShutDownChangesNothing() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    try host.shutdownDomain(domain, reason: .suspend)
    try host.shutdownDomain(domain, reason: .crash)
    XCTAssertEqual(try host.domainInfo(domain).shutdownReason, .suspend)
  }

  func testShuttingDownDomainZeroIsRefused() {
    let host = SimulatedXenHost()
    assertXenError(.invalidArgument, try host.shutdownDomain(.dom0, reason: .suspend))
  }

  func testPausesAreCountedAndUnpausingAnUnpausedDomainIsEINVAL() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    try host.pauseDomain(domain)
    try host.pauseDomain(domain)
    try host.unpauseDomain(domain)
    XCTAssertTrue(try host.domainInfo(domain).isPaused)
    try host.unpauseDomain(domain)
    XCTAssertFalse(try host.domainInfo(domain).isPaused)
    assertXenError(.invalidArgument, try host.unpauseDomain(domain))
    assertXenError(.invalidArgument, try host.pauseDomain(.dom0))
    assertXenError(.noSuchProcess, try host.pauseDomain(9))
  }

  func testAPausedGuestReactsToARequestOnlyOnceUnpaused() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    try host.pauseDomain(domain)
    try HandDrivenToolstack(host: host).requestSuspend(domain)
    XCTAssertEqual(host.observations(of: domain).suspendRequestsSeen, 0)
    XCTAssertFalse(try host.domainInfo(domain).isShutdown)
    try host.unpauseDomain(domain)
    XCTAssertTrue(try host.domainInfo(domain).isSuspended)
    XCTAssertEqual(host.observations(of: domain).suspendsCompleted, 1)
  }

  func testADestroyedDomainIsGoneWithItsXenStoreHome() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    XCTAssertNotNil(try host.read(XenStorePath.controlShutdown(of: domain)))
    try host.destroyDomain(domain)
    assertXenError(.noSuchProcess, try host.domainInfo(domain))
    XCTAssertNil(try host.read(XenStorePath.home(of: domain)))
    XCTAssertEqual(host.observations(of: domain), GuestObservations())
    assertXenError(.noSuchProcess, try host.destroyDomain(domain))
    assertXenError(.invalidArgument, try host.destroyDomain(.dom0))
  }

  func testALingeringDestroyLeavesTheDomainDyingUntilDestroyedAgain() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvhvm())
    try host.destroyDomain(domain, lingering: true)
    let info = try host.domainInfo(domain)
    XCTAssertTrue(info.isDying)
    XCTAssertTrue(info.flags.contains(.dying))
    try host.destroyDomain(domain)
    assertXenError(.noSuchProcess, try host.domainInfo(domain))
  }

  func testGuestWidthIsThePVGuestsOwnAndTheHostsForHVMContainers() throws {
    let host = SimulatedXenHost()
    XCTAssertEqual(try host.hostWidth(), .bits64)
    XCTAssertEqual(try host.guestWidth(of: host.createDomain(.pv(width: .bits32))), .bits32)
    XCTAssertEqual(try host.guestWidth(of: host.createDomain(.pv(width: .bits64))), .bits64)
    XCTAssertEqual(try host.guestWidth(of: host.createDomain(.pvhvm())), .bits64)
    XCTAssertEqual(try host.guestWidth(of: host.createDomain(.pvh())), .bits64)
  }

  func testHVMParametersAreEINVALForPVAndReportCallbackIRQAndSleepState() throws {
    let host = SimulatedXenHost()
    let pv = host.createDomain(.pv())
    let hvm = host.createDomain(.hvm())
    let pvhvm = host.createDomain(.pvhvm())
    let pvh = host.createDomain(.pvh())
    assertXenError(.invalidArgument, try host.hvmParameter(.callbackIRQ, of: pv))
    assertXenError(.invalidArgument, try host.hvmParameter(.callbackIRQ, of: .dom0))
    XCTAssertEqual(try host.hvmParameter(.callbackIRQ, of: hvm), 0)
    XCTAssertNotEqual(try host.hvmParameter(.callbackIRQ, of: pvhvm), 0)
    XCTAssertNotEqual(try host.hvmParameter(.callbackIRQ, of: pvh), 0)
    for domain in [hvm, pvhvm, pvh] {
      XCTAssertEqual(try host.hvmParameter(.acpiSleepState, of: domain), 0)
    }
    try host.setACPISleepState(3, of: hvm)
    XCTAssertEqual(try host.hvmParameter(.acpiSleepState, of: hvm), 3)
    assertXenError(.invalidArgument, try host.setACPISleepState(3, of: pv))
    assertXenError(.invalidArgument, try host.hvmParameter(HVMParameter(rawValue: 39), of: hvm))
  }
}
