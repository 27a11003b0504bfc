import XCTest
import XenResumeCore
import XenSimulator

/// Every guest type × the suspend path it takes × every resume mode it supports, checked on both sides: what Xen
/// reports, and what the guest itself experienced.
final class SuspendResumeMatrixTests: XCTestCase {
  func testGuestTypeAndPlannedPathComeFromXensFacts() async throws {
    for guestCase in GuestCase.all {
      let host = SimulatedXenHost()
      let domain = host.createDomain(guestCase.guest)
      let controller = SuspendController(host: host)
      let type = try await controller.guestType(of: domain)
      XCTAssertEqual(type, guestCase.expectedType, "\(guestCase)")
      let plan = try await controller.suspendPlan(for: domain)
      XCTAssertEqual(plan.path, guestCase.expectedPath, "\(guestCase)")
      XCTAssertFalse(plan.reason.isEmpty)
      assertRunning(host, domain)
    }
  }

  func testSuspendThenFastResumeCancelsTheSuspendInEveryCell() async throws {
    for guestCase in GuestCase.all {
      let host = SimulatedXenHost()
      let domain = host.createDomain(guestCase.guest)
      let controller = SuspendController(host: host)

      let suspended = try await controller.suspend(domain, timeout: .seconds(5))
      XCTAssertEqual(suspended.domain, domain)
      XCTAssertEqual(suspended.path, guestCase.expectedPath, "\(guestCase)")
      XCTAssertEqual(suspended.guestType, guestCase.expectedType, "\(guestCase)")
      XCTAssertEqual(try host.domainInfo(domain).shutdownReason, .suspend, "\(guestCase)")

      try await controller.resume(domain, mode: .fast)
      assertRunning(host, domain)
      assertHealthy(host, domain)
      let observed = host.observations(of: domain)
      if guestCase.expectedType.isPVAware {
        XCTAssertEqual(observed.suspendsCompleted, 1, "\(guestCase)")
        XCTAssertEqual(observed.suspendRequestsSeen, 1, "\(guestCase)")
        XCTAssertEqual(observed.resumesCancelled, 1, "\(guestCase): the guest must see its suspend cancelled")
        XCTAssertEqual(observed.resumesAsNewDomain, 0, "\(guestCase)")
        XCTAssertEqual(observed.driverReconnects, 0, "\(guestCase)")
      } else {
        XCTAssertEqual(observed.resumesCancelled, 0, "\(guestCase): a pure HVM guest has no hypercall to cancel")
        XCTAssertEqual(observed.resumesUnnoticed, 1, "\(guestCase): it just runs on")
      }
    }
  }

  func testRepeatedCyclesKeepWorking() async throws {
    for guestCase in GuestCase.all {
      let host = SimulatedXenHost()
      let domain = host.createDomain(guestCase.guest)
      let controller = SuspendController(host: host)
      for _ in 0..<5 {
        _ = try await controller.checkpoint(domain, timeout: .seconds(5)) { _ in }
      }
      assertRunning(host, domain)
      assertHealthy(host, domain)
      let observed = host.observations(of: domain)
      if guestCase.expectedType.isPVAware {
        XCTAssertEqual(observed.suspendsCompleted, 5, "\(guestCase)")
        XCTAssertEqual(observed.resumesCancelled, 5, "\(guestCase)")
      } else {
        XCTAssertEqual(observed.resumesUnnoticed, 5, "\(guestCase)")
      }
    }
  }

  func testConfirmedSlowResumeWakesTheGuestAsANewDomain() async throws {
    for guestCase in GuestCase.all {
      let host = SimulatedXenHost()
      let domain = host.createDomain(guestCase.guest)
      let controller = SuspendController(host: host)
      _ = try await controller.suspend(domain, timeout: .seconds(5))
      try await controller.resume(domain, mode: .slow, options: .confirmSlowResumeOfPVAwareGuest)

      assertRunning(host, domain)
      assertHealthy(host, domain)
      let observed = host.observations(of: domain)
      XCTAssertEqual(observed.resumesCancelled, 0, "\(guestCase)")
      if guestCase.expectedType.isPVAware {
        XCTAssertEqual(observed.resumesAsNewDomain, 1, "\(guestCase)")
      }
      if guestCase.expectedType == .pvhvm || guestCase.expectedType == .pvh {
        XCTAssertGreaterThan(observed.driverReconnects, 0, "\(guestCase): PV drivers reconnect after a slow resume")
      }
      // And the guest can be checkpointed again afterwards (a guest with a suspend event channel advertises a
      // new port after a resume as a new domain, which the controller must pick up).
      do {
        _ = try await controller.checkpoint(domain, timeout: .seconds(5)) { _ in }
      } catch {
        XCTFail("\(guestCase): checkpoint after a slow resume failed: \(error)")
      }
      assertHealthy(host, domain)
    }
  }

  func testSlowResumeOfPureHVMNeedsNoConfirmation() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.hvm(vcpus: 2))
    let controller = SuspendController(host: host)
    _ = try await controller.suspend(domain)
    try await controller.resume(domain, mode: .slow)
    assertRunning(host, domain)
    assertHealthy(host, domain)
  }

  func testSlowResumeWithoutASoftResetIsRefusedWithoutConfirmationAndNothingChanges() async throws {
    // A PV guest's slow resume never has a soft reset; a PVH or PVHVM guest's only when asked not to.
    for guestCase in GuestCase.all where guestCase.expectedType.isPVAware {
      let host = SimulatedXenHost()
      let domain = host.createDomain(guestCase.guest)
      let controller = SuspendController(host: host)
      _ = try await controller.suspend(domain)
      let width = guestCase.expectedType == .pv ? try host.guestWidth(of: domain) : try host.hostWidth()
      let before = try host.vcpuContext(of: domain, vcpu: 0, width: width)
      let options: ResumeOptions = guestCase.expectedType == .pv ? [] : .resumeSlowWithoutSoftReset
      await assertThrowsSuspendError({ try await controller.resume(domain, mode: .slow, options: options) }) {
        if case .refused(domain, let reason) = $0 { return reason.contains("register_vcpu_info") }
        return false
      }
      XCTAssertTrue(try host.domainInfo(domain).isSuspended, "\(guestCase)")
      XCTAssertEqual(try host.vcpuContext(of: domain, vcpu: 0, width: before.width), before, "\(guestCase)")
      try await controller.resume(domain, mode: .fast)
      assertHealthy(host, domain)
    }
  }

  func testLinuxKernelProfileReproducesTheRealSlowResumePanicWithoutASoftReset() async throws {
    for guest in [SimulatedGuest.pv(kernel: .linux), .pvh(kernel: .linux), .pvhvm(kernel: .linux)] {
      let host = SimulatedXenHost()
      let domain = host.createDomain(guest)
      let controller = SuspendController(host: host)
      _ = try await controller.suspend(domain)
      try await controller.resume(
        domain, mode: .slow, options: [.confirmSlowResumeOfPVAwareGuest, .resumeSlowWithoutSoftReset])
      let observed = host.observations(of: domain)
      XCTAssertFalse(observed.isHealthy)
      XCTAssertEqual(observed.kernelPanic, "register_vcpu_info failed: cpu=0 err=-22", "\(guest)")
      // Measured (Tests/RealXen): PV and PVH Linux end with reason crash, PVHVM with reason reboot.
      XCTAssertEqual(try host.domainInfo(domain).shutdownReason, guest.type == .pvhvm ? .reboot : .crash)
      XCTAssertFalse(host.trace.contains { $0.operation == .softResetDomain }, "\(guest)")
    }
  }

  func testLinuxPVHAndPVHVMGuestsSurviveTheSoftResetSlowResumeWithoutConfirmation() async throws {
    for guest in [SimulatedGuest.pvh(kernel: .linux), .pvhvm(kernel: .linux)] {
      let host = SimulatedXenHost()
      let domain = host.createDomain(guest)
      let controller = SuspendController(host: host)
      _ = try await controller.suspend(domain)
      let resumed = try await controller.resume(domain, mode: .slow)
      XCTAssertEqual(resumed.mode, .slow)
      assertRunning(host, domain)
      assertHealthy(host, domain)
      XCTAssertEqual(host.observations(of: domain).resumesAsNewDomain, 1, "\(guest)")
      _ = try await controller.checkpoint(domain) { _ in }
      assertHealthy(host, domain)
    }
  }

  func testLinuxGuestsSurviveFastResumeEveryTime() async throws {
    for guest in [SimulatedGuest.pv(kernel: .linux), .pvh(kernel: .linux), .pvhvm(kernel: .linux)] {
      let host = SimulatedXenHost()
      let domain = host.createDomain(guest)
      let controller = SuspendController(host: host)
      for _ in 0..<3 { _ = try await controller.checkpoint(domain) { _ in } }
      assertHealthy(host, domain)
      XCTAssertEqual(host.observations(of: domain).resumesCancelled, 3)
    }
  }

  func testUncooperativeResumeOfAForcedSuspendLeavesRegistersAlone() async throws {
    for guest in [SimulatedGuest.pv(), .pvhvm(), .pvh()] {
      let host = SimulatedXenHost()
      let domain = host.createDomain(guest)
      // Someone else stops the guest behind the toolstack's back.
      try host.shutdownDomain(domain, reason: .suspend)
      let controller = SuspendController(host: host)
      try await controller.resume(domain, mode: .uncooperative)
      assertRunning(host, domain)
      assertHealthy(host, domain)
    }
  }

  func testCheckpointReturnsTheBodysResultWhileTheDomainIsSuspended() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(vcpus: 2))
    let controller = SuspendController(host: host)
    let seen = try await controller.checkpoint(domain) { suspended in
      (suspended.path, try host.domainInfo(domain).isSuspended)
    }
    XCTAssertEqual(seen.0, .xenstoreControl)
    XCTAssertTrue(seen.1)
    assertRunning(host, domain)
  }
}
