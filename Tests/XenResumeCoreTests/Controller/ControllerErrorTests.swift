import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// Each error a caller can switch on, raised before anything is touched where that is possible.
final class ControllerErrorTests: XCTestCase {
  func testAMissingDomainIsDomainNotFound() async throws {
    let host = SimulatedXenHost()
    let controller = SuspendController(host: host)
    await assertThrowsSuspendError({ _ = try await controller.suspend(42) }) { $0 == .domainNotFound(42) }
    await assertThrowsSuspendError({ try await controller.resume(42) }) { $0 == .domainNotFound(42) }
    await assertThrowsSuspendError({ _ = try await controller.guestType(of: 42) }) { $0 == .domainNotFound(42) }
  }

  func testDom0IsRefused() async throws {
    let host = SimulatedXenHost()
    let controller = SuspendController(host: host)
    await assertThrowsSuspendError({ _ = try await controller.suspend(.dom0) }) {
      if case .refused(.dom0, _) = $0 { return true }
      return false
    }
    await assertThrowsSuspendError({ try await controller.resume(.dom0) }) {
      if case .refused(.dom0, _) = $0 { return true }
      return false
    }
  }

  func testForcingAPathTheGuestCannotTakeIsRefusedBeforeAnythingIsTouched() async throws {
    let cases: [(SimulatedGuest, SuspendPath)] = [
      (.pv(), .hypervisorShutdown), (.pvh(), .hypervisorShutdown), (.pvhvm(), .hypervisorShutdown),
      (.pv(), .eventChannel), (.hvm(), .xenstoreControl), (.hvm(), .eventChannel),
    ]
    for (guest, path) in cases {
      let simulator = SimulatedXenHost()
      let domain = simulator.createDomain(guest)
      let calls = HostCallCounter(observing: simulator, recording: true)
      let controller = SuspendController(host: simulator)
      await assertThrowsSuspendError({ _ = try await controller.suspend(domain, path: path) }) {
        if case .refused(domain, _) = $0 { return true }
        return false
      }
      let mutations: Set<XenHostOperation> = [
        .write, .shutdownDomain, .notify, .setVCPUContext, .resumeDomain, .bindInterdomainEventChannel,
      ]
      XCTAssertTrue(calls.recordedOperations.allSatisfy { !mutations.contains($0) }, "\(guest) \(path)")
      assertRunning(simulator, domain)
      XCTAssertEqual(simulator.observations(of: domain).suspendRequestsSeen, 0)
    }
  }

  func testARefusedForcedPathLeavesTheDomainFreeForTheNextSuspend() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let controller = SuspendController(host: host)
    await assertThrowsSuspendError({ _ = try await controller.suspend(domain, path: .hypervisorShutdown) }) {
      if case .refused = $0 { return true }
      return false
    }
    _ = try await controller.checkpoint(domain) { _ in }
    controller.forget(domain)
    XCTAssertNil(host.suspendLockHolder(for: domain), "forget must release the lock the refused suspend took")
    let other = SuspendController(host: host)
    _ = try await other.checkpoint(domain) { _ in }
    assertHealthy(host, domain)
  }

  func testThePlanOfDom0IsRefused() async throws {
    let controller = SuspendController(host: SimulatedXenHost())
    await assertThrowsSuspendError({ _ = try await controller.suspendPlan(for: .dom0) }) {
      if case .refused(.dom0, _) = $0 { return true }
      return false
    }
  }

  func testForcingTheXenStorePathOnAGuestWithAnEventChannelWorks() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(suspendEventChannel: true))
    let controller = SuspendController(host: host)
    let suspended = try await controller.suspend(domain, path: .xenstoreControl)
    XCTAssertEqual(suspended.path, .xenstoreControl)
    try await controller.resume(domain)
    assertHealthy(host, domain)
  }

  func testSuspendingASuspendedDomainIsRefused() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let controller = SuspendController(host: host)
    _ = try await controller.suspend(domain)
    await assertThrowsSuspendError({ _ = try await controller.suspend(domain) }) {
      if case .refused(domain, let reason) = $0 { return reason.contains("already suspended") }
      return false
    }
    // A second controller (another toolstack in this process) sees the same.
    let other = SuspendController(host: host)
    await assertThrowsSuspendError({ _ = try await other.suspend(domain) }) {
      if case .refused(domain, _) = $0 { return true }
      return false
    }
    try await controller.resume(domain)
    assertHealthy(host, domain)
  }

  func testAPVHGuestWithoutFeatureSuspendIsUnsupported() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvh())
    try host.remove(XenStorePath.featureSuspend(of: domain))
    let controller = SuspendController(host: host)
    await assertThrowsSuspendError({ _ = try await controller.suspend(domain) }) {
      if case .unsupported(domain, .pvh, _) = $0 { return true }
      return false
    }
    assertRunning(host, domain)
  }

  func testAnotherProcessHoldingTheSuspendLockIsAlreadyInProgress() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(suspendEventChannel: true))
    XCTAssertTrue(host.holdSuspendLockInAnotherProcess(for: domain))
    let controller = SuspendController(host: host)
    await assertThrowsSuspendError({ _ = try await controller.suspend(domain) }) {
      $0 == .alreadyInProgress(domain, byAnotherProcess: true)
    }
    assertRunning(host, domain)
    XCTAssertEqual(host.observations(of: domain).suspendRequestsSeen, 0)
  }

  func testTwoControllersNeverHoldOneDomainsLockAtOnce() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let first = SuspendController(host: host)
    _ = try await first.checkpoint(domain) { _ in }
    let second = SuspendController(host: host)
    await assertThrowsSuspendError({ _ = try await second.suspend(domain) }) {
      $0 == .alreadyInProgress(domain, byAnotherProcess: true)
    }
    first.forget(domain)
    _ = try await second.checkpoint(domain) { _ in }
    assertHealthy(host, domain)
  }

  func testErrorMessagesNameTheDomainAndItsState() {
    let timeout = SuspendResumeError.timedOut(7, stage: .acknowledgement, timeout: .seconds(60), state: .running)
    XCTAssertTrue(timeout.description.contains("domain 7"))
    XCTAssertTrue(timeout.description.contains("withdrawn"))
    XCTAssertTrue(timeout.description.contains("running"))
    let call = SuspendResumeError.hostCall(
      XenCallError(.setVCPUContext, domain: 7, errno: .ioError), state: .shutDown(.suspend), undone: nil)
    XCTAssertTrue(call.description.contains("xc_vcpu_setcontext"))
    XCTAssertTrue(call.description.contains("suspended"))
    XCTAssertEqual(call.domain, 7)
  }
}
