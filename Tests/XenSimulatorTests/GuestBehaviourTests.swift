import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

final class GuestBehaviourTests: XCTestCase {
  private func requestSuspend(_ guest: SimulatedGuest) throws -> (SimulatedXenHost, DomainID) {
    let host = SimulatedXenHost()
    let domain = host.createDomain(guest)
    try HandDrivenToolstack(host: host).requestSuspend(domain)
    return (host, domain)
  }

  func testACooperativeGuestAcknowledgesWithAnEmptyStringAndSuspends() throws {
    let (host, domain) = try requestSuspend(.pv())
    XCTAssertEqual(try host.read(XenStorePath.controlShutdown(of: domain)), "")
    XCTAssertTrue(try host.domainInfo(domain).isSuspended)
    let guest = host.observations(of: domain)
    XCTAssertEqual(guest.suspendRequestsSeen, 1)
    XCTAssertEqual(guest.acknowledgements, 1)
    XCTAssertEqual(guest.suspendsCompleted, 1)
    XCTAssertEqual(guest.phase, .suspended)
    XCTAssertTrue(guest.isHealthy)
  }

  func testAGuestThatIgnoresRequestsNeverAcknowledgesNorSuspends() throws {
    let (host, domain) = try requestSuspend(.pv(behaviour: .ignoresSuspendRequest))
    XCTAssertEqual(try host.read(XenStorePath.controlShutdown(of: domain)), "suspend")
    XCTAssertFalse(try host.domainInfo(domain).isShutdown)
    let guest = host.observations(of: domain)
    XCTAssertEqual(guest.suspendRequestsSeen, 1)
    XCTAssertEqual(guest.acknowledgements, 0)
    XCTAssertEqual(guest.phase, .running)
  }

  func testAGuestThatAcknowledgesButNeverSuspendsStaysRunningAndAnswersTheNextRequestToo() throws {
    let (host, domain) = try requestSuspend(.pvhvm(behaviour: .acknowledgesButNeverSuspends))
    XCTAssertEqual(try host.read(XenStorePath.controlShutdown(of: domain)), "")
    XCTAssertFalse(try host.domainInfo(domain).isShutdown)
    try HandDrivenToolstack(host: host).requestSuspend(domain)
    let guest = host.observations(of: domain)
    XCTAssertEqual(guest.acknowledgements, 2)
    XCTAssertEqual(guest.suspendsCompleted, 0)
    XCTAssertEqual(guest.requestsIgnoredWhileBusy, 0)
    XCTAssertTrue(guest.isHealthy)
  }

  func testAGuestThatCrashesOnSuspendShutsDownWithReasonCrash() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(behaviour: .crashesOnSuspend))
    let release = try await HandDrivenToolstack(host: host).watch(XenStorePath.releaseDomain)
    try HandDrivenToolstack(host: host).requestSuspend(domain)
    XCTAssertEqual(try host.domainInfo(domain).shutdownReason, .crash)
    XCTAssertEqual(host.queuedEventCount(of: release), 1)
    let guest = host.observations(of: domain)
    XCTAssertEqual(guest.acknowledgements, 1)
    XCTAssertEqual(guest.suspendsCompleted, 0)
    XCTAssertFalse(guest.isHealthy)
    XCTAssertEqual(guest.failure, "the guest crashed while suspending")
    XCTAssertEqual(guest.phase, .dead)
  }

  func testAGuestThatAcknowledgesByDeletingTheNodeSuspends() throws {
    let (host, domain) = try requestSuspend(.pvh(behaviour: .acknowledgesByDeletingNode))
    XCTAssertNil(try host.read(XenStorePath.controlShutdown(of: domain)))
    XCTAssertTrue(try host.domainInfo(domain).isSuspended)
    XCTAssertEqual(host.observations(of: domain).acknowledgements, 1)
  }

  func testAGuestThatAcknowledgesWithGarbageSuspends() throws {
    let (host, domain) = try requestSuspend(.pv(width: .bits32, behaviour: .acknowledgesWithGarbage))
    let answer = try host.read(XenStorePath.controlShutdown(of: domain))
    XCTAssertNotNil(answer)
    XCTAssertNotEqual(answer, "suspend")
    XCTAssertNotEqual(answer, "")
    XCTAssertTrue(try host.domainInfo(domain).isSuspended)
  }

  func testAGuestIgnoresEmptyAndUnknownValues() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    try host.write(XenStorePath.controlShutdown(of: domain), value: "halt-and-catch-fire")
    try host.write(XenStorePath.controlShutdown(of: domain), value: "")
    XCTAssertEqual(host.observations(of: domain).suspendRequestsSeen, 0)
    XCTAssertFalse(try host.domainInfo(domain).isShutdown)
  }

  func testAFastResumeCancelsTheSuspendAndKeepsTheDriversConnected() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvhvm(vcpus: 2))
    try HandDrivenToolstack(host: host).fastCycle(domain)
    let guest = host.observations(of: domain)
    XCTAssertEqual(guest.resumesCancelled, 1)
    XCTAssertEqual(guest.driverReconnects, 0)
    XCTAssertEqual(guest.sharedInfoRegistrations, 0)
    XCTAssertEqual(guest.phase, .running)
    XCTAssertTrue(guest.isHealthy)
  }

  func testEveryPVAwareGuestTypeSurvivesRepeatedFastCycles() throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    for guest in [SimulatedGuest.pv(), .pv(width: .bits32, vcpus: 4), .pvhvm(vcpus: 2), .pvh(vcpus: 2)] {
      for kernel in GuestKernel.allCases {
        let domain = host.createDomain(
          guest.type == .pv
            ? .pv(width: guest.width, vcpus: guest.vcpus, kernel: kernel)
            : guest.type == .pvh ? .pvh(vcpus: guest.vcpus, kernel: kernel) : .pvhvm(vcpus: guest.vcpus, kernel: kernel)
        )
        for _ in 0..<3 { try toolstack.fastCycle(domain) }
        let observations = host.observations(of: domain)
        XCTAssertEqual(observations.resumesCancelled, 3, "\(guest) \(kernel)")
        XCTAssertEqual(observations.suspendsCompleted, 3)
        XCTAssertTrue(observations.isHealthy, "\(guest) \(kernel): \(observations.failure ?? "")")
      }
    }
  }

  func testAGenericKernelSurvivesSlowResumesOfEveryPVAwareType() throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let pv = host.createDomain(.pv(vcpus: 2))
    let pvhvm = host.createDomain(.pvhvm(vcpus: 2))
    let pvh = host.createDomain(.pvh())
    for domain in [pv, pvhvm, pvh] {
      try toolstack.requestSuspend(domain)
      if domain == pv { try toolstack.slowResumePV(domain) } else { try host.resumeDomain(domain) }
      try toolstack.finishResume(domain)
      let guest = host.observations(of: domain)
      XCTAssertEqual(guest.resumesAsNewDomain, 1)
      XCTAssertEqual(guest.driverReconnects, 1)
      XCTAssertTrue(guest.isHealthy, guest.failure ?? "")
    }
    XCTAssertEqual(host.observations(of: pv).sharedInfoRegistrations, 0, "a PV guest's shared_info is Xen's")
    XCTAssertEqual(host.observations(of: pvh).sharedInfoRegistrations, 1)
  }

  func testGuestDescriptionsNameTypeWidthKernelAndBehaviour() {
    XCTAssertEqual(
      SimulatedGuest.pv(width: .bits32, vcpus: 2, behaviour: .crashesOnSuspend, kernel: .linux).description,
      "PV 32-bit, 2 vcpus, linux, crashesOnSuspend")
    XCTAssertEqual(SimulatedGuest.hvm().description, "HVM, 1 vcpu, generic")
    let defaults = SimulatedGuest.pvh()
    XCTAssertEqual(defaults.vcpus, 1)
    XCTAssertEqual(defaults.behaviour, .cooperative)
    XCTAssertEqual(defaults.kernel, .generic)
    XCTAssertFalse(defaults.requestsSuspendEventChannel)
  }
}
