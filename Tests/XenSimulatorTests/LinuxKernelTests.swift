import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// The `.linux` kernel agrees with the table "What real guests did" in xen-in-qemu.md; `.linuxBefore5_16` is its
/// older sibling that warns where `.linux` panics; `SimulatedXenRelease` decides the errno both print.
final class LinuxKernelTests: XCTestCase {
  /// Suspends through `control/shutdown` and wakes the guest with 0 in the same domain, as
  /// `xc_domain_resume(fast=0)` does, then reconnects xenstore.
  private func slowCycle(_ domain: DomainID, on host: SimulatedXenHost) throws {
    let toolstack = HandDrivenToolstack(host: host)
    try toolstack.requestSuspend(domain)
    if try host.domainInfo(domain).isHVM { try host.resumeDomain(domain) } else { try toolstack.slowResumePV(domain) }
    if try !host.domainInfo(domain).isShutdown { try toolstack.finishResume(domain) }
  }

  func testASecondVCPUInfoRegistrationIsEINVALOnXen417AndEBUSYOnXen420() {
    XCTAssertEqual(SimulatedXenHost().release, .xen4_17, "the default keeps every older test's meaning")
    XCTAssertEqual(SimulatedXenHost(release: .xen4_20).release, .xen4_20)
    XCTAssertEqual(SimulatedXenRelease.xen4_17.vcpuInfoReregistrationErrno, .invalidArgument)
    XCTAssertEqual(SimulatedXenRelease.xen4_20.vcpuInfoReregistrationErrno, .resourceBusy)
    XCTAssertEqual(SimulatedXenRelease.xen4_17.vcpuInfoReregistrationErrno.rawValue, 22)
    XCTAssertEqual(SimulatedXenRelease.xen4_20.vcpuInfoReregistrationErrno.rawValue, 16)
    XCTAssertEqual("\(SimulatedXenRelease.xen4_20)", "Xen 4.20")
  }

  func testLinuxPanicsWithTheReleasesErrnoAfterASameDomainSlowResume() throws {
    for (release, err) in [(SimulatedXenRelease.xen4_17, -22), (.xen4_20, -16)] {
      let host = SimulatedXenHost(release: release)
      for guest in [SimulatedGuest.pv(vcpus: 2, kernel: .linux), .pvh(kernel: .linux), .pvhvm(kernel: .linux)] {
        let domain = host.createDomain(guest)
        try slowCycle(domain, on: host)
        let line = "register_vcpu_info failed: cpu=0 err=\(err)"
        let observations = host.observations(of: domain)
        XCTAssertEqual(observations.kernelPanic, line, "\(guest) on \(release)")
        XCTAssertEqual(observations.failure, line, "\(guest) on \(release)")
        XCTAssertEqual(observations.phase, .dead)
        XCTAssertEqual(try host.domainInfo(domain).shutdownReason, guest.type == .pvhvm ? .reboot : .crash)
      }
    }
  }

  func testLinuxBefore5_16HangsAfterASameDomainSlowResumeWhileXenReportsItRunning() throws {
    // Measured (Tests/RealXen's slow-outcome) as PV, PVH and PVHVM: no panic, no shutdown, no progress. Upstream's
    // reading had the PVHVM guest warn, fall back to shared_info's vcpu_info and carry on.
    for release in SimulatedXenRelease.allCases {
      for guest in [
        SimulatedGuest.pv(vcpus: 2, kernel: .linuxBefore5_16), .pvh(vcpus: 2, kernel: .linuxBefore5_16),
        .pvhvm(vcpus: 2, kernel: .linuxBefore5_16),
      ] {
        let host = SimulatedXenHost(release: release)
        let domain = host.createDomain(guest)
        try slowCycle(domain, on: host)
        let observations = host.observations(of: domain)
        XCTAssertTrue(observations.isHung, "\(guest) on \(release)")
        XCTAssertNil(observations.kernelPanic, "\(guest) on \(release)")
        XCTAssertFalse(observations.isHealthy, "\(guest) on \(release)")
        XCTAssertEqual(observations.phase, .dead, "\(guest) on \(release)")
        XCTAssertEqual(observations.driverReconnects, 0, "\(guest) on \(release): a hung kernel reconnects nothing")
        let info = try host.domainInfo(domain)
        XCTAssertFalse(info.isShutdown, "\(guest) on \(release): Xen goes on running it")
        XCTAssertEqual(DomainState(info), .running, "\(guest) on \(release)")
      }
    }
  }

  func testKernelsThatNeverRegisterVCPUInfoSurviveSlowResumesOnEveryRelease() throws {
    for release in SimulatedXenRelease.allCases {
      let host = SimulatedXenHost(release: release)
      for kernel in GuestKernel.allCases {
        let pvAware = [SimulatedGuest.pv(vcpus: 2, kernel: kernel), .pvh(kernel: kernel), .pvhvm(kernel: kernel)]
        let neverRegister =
          [SimulatedGuest.hvm(kernel: kernel)] + (kernel == .generic || kernel == .xenLinuxClassic ? pvAware : [])
        for guest in neverRegister {
          let domain = host.createDomain(guest)
          if guest.type == .hvm {
            try host.shutdownDomain(domain, reason: .suspend)
            try host.resumeDomain(domain)
          } else {
            try slowCycle(domain, on: host)
          }
          let observations = host.observations(of: domain)
          XCTAssertTrue(observations.isHealthy, "\(guest) on \(release): \(observations.failure ?? "")")
        }
      }
    }
  }

  func testLinuxBefore5_16UsesTheVectorCallbackAndNoSuspendEventChannel() throws {
    let host = SimulatedXenHost()
    let pvhvm = host.createDomain(.pvhvm(suspendEventChannel: true, kernel: .linuxBefore5_16))
    XCTAssertEqual(try host.hvmParameter(.callbackIRQ, of: pvhvm), (2 << 56) | 0xF3)
    XCTAssertEqual(try host.read(XenStorePath.suspendEventChannel(of: pvhvm)), "")
    try HandDrivenToolstack(host: host).requestSuspend(pvhvm)
    XCTAssertEqual(try host.read(XenStorePath.controlShutdown(of: pvhvm)), "")
  }

  func testLinuxPVPVHAndPVHVMPanicAfterASameDomainSlowResume() throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    for guest in [SimulatedGuest.pv(vcpus: 2, kernel: .linux), .pvh(kernel: .linux), .pvhvm(kernel: .linux)] {
      let domain = host.createDomain(guest)
      try toolstack.requestSuspend(domain)
      if guest.type == .pv { try toolstack.slowResumePV(domain) } else { try host.resumeDomain(domain) }
      // Real Xen 4.17 (Tests/RealXen): a PV Linux guest ends with reason crash, a PVHVM one with reboot.
      let expected: ShutdownReason = guest.type == .pvhvm ? .reboot : .crash
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
