import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// The `.linux` kernel agrees with the table "What real guests did" in xen-in-qemu.md.
final class LinuxKernelTests: XCTestCase {
  func testLinuxPVPVHAndPVHVMPanicAfterASameDomainSlowResume() throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    for guest in [SimulatedGuest.pv(vcpus: 2, kernel: .linux), .pvh(kernel: .linux), .pvhvm(kernel: .linux)] {
      let domain = host.createDomain(guest)
      try toolstack.requestSuspend(domain)
      if guest.type == .pv { try toolstack.slowResumePV(domain) } else { try host.resumeDomain(domain) }
      // Real Xen 4.17 (Tests/RealXen): a PV Linux guest ends with reason crash, a PVHVM one with reboot.
      let expected: ShutdownReason = guest.type == .pv ? .crash : .reboot
      XCTAssertEqual(try host.domainInfo(domain).shutdownReason, expected, "\(guest)")
      let observations = host.observations(of: domain)
      XCTAssertFalse(observations.isHealthy)
      XCTAssertEqual(observations.failure, "register_vcpu_info failed: cpu=0 err=-22")
      XCTAssertEqual(observations.phase, .dead)
      XCTAssertEqual(observations.resumesAsNewDomain, 1)
    }
  }

  func testLinuxPureHVMSurvivesASlowResume() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.hvm(kernel: .linux))
    try host.shutdownDomain(domain, reason: .suspend)
    try host.resumeDomain(domain)
    XCTAssertFalse(try host.domainInfo(domain).isShutdown)
    XCTAssertTrue(host.observations(of: domain).isHealthy)
  }

  func testLinuxSurvivesFastResumesOfEveryType() throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    for guest in [SimulatedGuest.pv(kernel: .linux), .pvh(kernel: .linux), .pvhvm(vcpus: 2, kernel: .linux)] {
      let domain = host.createDomain(guest)
      for _ in 0..<6 { try toolstack.fastCycle(domain) }
      let observations = host.observations(of: domain)
      XCTAssertTrue(observations.isHealthy, "\(guest): \(observations.failure ?? "")")
      XCTAssertEqual(observations.resumesCancelled, 6)
    }
  }

  func testLinuxAcknowledgesWithAnEmptyStringAndReportsCallbackIRQOne() throws {
    let host = SimulatedXenHost()
    let pvhvm = host.createDomain(.pvhvm(kernel: .linux))
    let pvh = host.createDomain(.pvh(kernel: .linux))
    let hvm = host.createDomain(.hvm(kernel: .linux))
    let generic = host.createDomain(.pvhvm())
    XCTAssertEqual(try host.hvmParameter(.callbackIRQ, of: pvhvm), 1)
    XCTAssertEqual(try host.hvmParameter(.callbackIRQ, of: pvh), 1)
    XCTAssertEqual(try host.hvmParameter(.callbackIRQ, of: hvm), 0)
    XCTAssertNotEqual(try host.hvmParameter(.callbackIRQ, of: generic), 1, "other drivers use a vector callback")
    try HandDrivenToolstack(host: host).requestSuspend(pvhvm)
    XCTAssertEqual(try host.read(XenStorePath.controlShutdown(of: pvhvm)), "")
  }

  func testARequestWrittenWhileSuspendedIsReadWhenTheGuestRunsAgain() throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pv(kernel: .linux))
    try toolstack.requestSuspend(domain)
    try toolstack.requestSuspend(domain)
    XCTAssertEqual(host.observations(of: domain).suspendRequestsSeen, 1, "a suspended guest reads nothing")
    try toolstack.fastResume(domain)
    let guest = host.observations(of: domain)
    XCTAssertEqual(guest.resumesCancelled, 1)
    XCTAssertEqual(guest.suspendRequestsSeen, 2, "its watch fires once it runs: it suspends again")
    XCTAssertEqual(guest.suspendsCompleted, 2)
    XCTAssertTrue(try host.domainInfo(domain).isSuspended)
  }
}
