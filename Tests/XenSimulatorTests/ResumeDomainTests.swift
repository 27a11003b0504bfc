import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

final class ResumeDomainTests: XCTestCase {
  func testResumingDomainZeroIsEINVAL() {
    let host = SimulatedXenHost()
    assertXenError(.invalidArgument, try host.resumeDomain(.dom0))
  }

  func testResumingADomainThatIsNotShutDownSucceedsAndChangesNothing() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(vcpus: 2))
    let before = try host.domainInfo(domain)
    let guestBefore = host.observations(of: domain)
    try host.resumeDomain(domain)
    var after = try host.domainInfo(domain)
    XCTAssertGreaterThan(after.cpuTime, before.cpuTime, "the running domain used CPU time meanwhile")
    after.cpuTime = before.cpuTime
    XCTAssertEqual(after, before)
    XCTAssertEqual(host.observations(of: domain), guestBefore)
    let guest = host.observations(of: domain)
    XCTAssertEqual(guest.resumesCancelled + guest.resumesAsNewDomain + guest.resumesUnnoticed, 0)
    XCTAssertTrue(guest.isHealthy)
  }

  func testResumeClearsTheShutdownAndTheGuestWakesWithItsReturnRegister() throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pv())
    try toolstack.requestSuspend(domain)
    XCTAssertTrue(try host.domainInfo(domain).isSuspended)
    try toolstack.fastResume(domain)
    let info = try host.domainInfo(domain)
    XCTAssertFalse(info.isShutdown)
    XCTAssertEqual(info.flags.rawShutdownCode, 255)
    let guest = host.observations(of: domain)
    XCTAssertEqual(guest.resumesCancelled, 1)
    XCTAssertEqual(guest.resumesAsNewDomain, 0)
    XCTAssertEqual(guest.phase, .running)
    XCTAssertTrue(guest.isHealthy)
  }

  func testAResumeThatLeavesZeroIsAResumeAsANewDomainForPVHVM() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvhvm(vcpus: 2))
    try HandDrivenToolstack(host: host).requestSuspend(domain)
    try host.resumeDomain(domain)
    let guest = host.observations(of: domain)
    XCTAssertEqual(guest.resumesAsNewDomain, 1)
    XCTAssertEqual(guest.sharedInfoRegistrations, 1)
    XCTAssertEqual(guest.driverReconnects, 1)
    XCTAssertTrue(guest.isHealthy, guest.failure ?? "")
    XCTAssertEqual(try host.read(XenStorePath.home(of: domain) + "/device/vif/0/state"), "4")
  }

  func testPureHVMSuspendsOnlyThroughShutdownDomainAndSurvivesEitherResume() throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    for kernel in GuestKernel.allCases {
      let domain = host.createDomain(.hvm(vcpus: 2, kernel: kernel))
      try toolstack.requestSuspend(domain)
      XCTAssertFalse(try host.domainInfo(domain).isShutdown, "no PV drivers: nobody reads control/shutdown")
      XCTAssertEqual(try host.read(XenStorePath.controlShutdown(of: domain)), "suspend")
      try host.write(XenStorePath.controlShutdown(of: domain), value: "")

      try host.shutdownDomain(domain, reason: .suspend)
      XCTAssertTrue(try host.domainInfo(domain).isSuspended)
      try toolstack.fastResume(domain)
      try toolstack.finishResume(domain)
      try host.shutdownDomain(domain, reason: .suspend)
      try host.resumeDomain(domain)

      let guest = host.observations(of: domain)
      XCTAssertEqual(guest.resumesUnnoticed, 2)
      XCTAssertEqual(guest.phase, .running)
      XCTAssertTrue(guest.isHealthy, "\(kernel): \(guest.failure ?? "")")
    }
  }

  func testAForcedShutdownFollowedByAResumeThatTouchesNoRegisterIsHarmless() throws {
    let host = SimulatedXenHost()
    for guest in [SimulatedGuest.pv(), .pv(width: .bits32), .pvhvm(), .pvh(), .hvm()] {
      let domain = host.createDomain(guest)
      try host.shutdownDomain(domain, reason: .suspend)
      try host.resumeDomain(domain)
      let observations = host.observations(of: domain)
      XCTAssertTrue(observations.isHealthy, "\(guest)")
      XCTAssertEqual(observations.resumesUnnoticed, 1)
      XCTAssertFalse(try host.domainInfo(domain).isShutdown)
    }
  }

  func testFastResumingAGuestThatWasShutDownByForceCorruptsIt() throws {
    let host = SimulatedXenHost()
    for guest in [SimulatedGuest.pv(), .pvhvm()] {
      let domain = host.createDomain(guest)
      try host.shutdownDomain(domain, reason: .suspend)
      try HandDrivenToolstack(host: host).fastResume(domain)
      let observations = host.observations(of: domain)
      XCTAssertFalse(observations.isHealthy, "\(guest)")
      XCTAssertEqual(
        observations.failure, "vcpu 0 registers were changed while the guest was stopped outside its suspend hypercall")
    }
  }

  func testSlowResumingAPVGuestThatWasShutDownByForceCannotMapStartInfo() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    try host.shutdownDomain(domain, reason: .suspend)
    let context = try host.vcpuContext(of: domain, vcpu: 0, width: .bits64)
    assertXenError(
      .notPermitted,
      try host.readGuestMemory(of: domain, frame: context.startInfoFrame, offset: 0, count: GuestLayout.pageSize))
    assertXenError(.notPermitted, try HandDrivenToolstack(host: host).slowResumePV(domain))
    XCTAssertTrue(try host.domainInfo(domain).isSuspended, "the failed resume touched nothing")
  }
}
