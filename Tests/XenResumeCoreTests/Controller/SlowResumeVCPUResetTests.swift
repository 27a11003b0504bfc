import SystemPackage
import XCTest
import XenResumeCore
import XenSimulator

/// A slow resume remembers that secondary vcpus were reset (so that only a slow resume may follow) only once a
/// reset has happened: a failure of the very first one leaves a guest a fast resume brings back (issue 11, 8a).
final class SlowResumeVCPUResetTests: XCTestCase {
  private func suspended(vcpus: Int) async throws -> (SimulatedXenHost, DomainID, SuspendController) {
    let simulator = SimulatedXenHost()
    let domain = simulator.createDomain(.pv(width: .bits64, vcpus: vcpus))
    let controller = SuspendController(host: simulator)
    _ = try await controller.suspend(domain, timeout: .seconds(5))
    return (simulator, domain, controller)
  }

  /// Asserts a slow resume fails in `resetVCPU`, rolled back, and says whether vcpus were already reset.
  private func assertResetFails(
    _ controller: SuspendController, _ domain: DomainID, alreadyReset: Bool,
    file: StaticString = #filePath, line: UInt = #line
  ) async {
    await assertThrowsSuspendError(
      { try await controller.resume(domain, mode: .slow, options: .confirmSlowResumeOfPVAwareGuest) },
      file: file, line: line
    ) { error in
      guard case .hostCall(let call, .shutDown(.suspend)?, let undone?) = error else { return false }
      return call.call == XenHostOperation.resetVCPU.rawValue
        && undone.contains("secondary vcpus were already reset") == alreadyReset
    }
  }

  func testAFailedFirstVCPUResetLeavesAGuestAFastResumeBringsBack() async throws {
    let (simulator, domain, controller) = try await suspended(vcpus: 3)
    simulator.injectFault(.resetVCPU, onCall: 1, errno: .ioError, domain: domain)
    await assertResetFails(controller, domain, alreadyReset: false)
    // No vcpu was reset, so the controller must not insist on a slow resume.
    try await controller.resume(domain, mode: .fast)
    assertRunning(simulator, domain)
    assertHealthy(simulator, domain)
    XCTAssertEqual(simulator.observations(of: domain).resumesAsNewDomain, 0)
  }

  func testAFailedSecondVCPUResetStillRequiresASlowResume() async throws {
    let (simulator, domain, controller) = try await suspended(vcpus: 3)
    simulator.injectFault(.resetVCPU, onCall: 2, errno: .ioError, domain: domain)
    await assertResetFails(controller, domain, alreadyReset: true)
    await assertThrowsSuspendError({ try await controller.resume(domain, mode: .fast) }) {
      if case .refused(domain, _) = $0 { return true }
      return false
    }
    try await controller.resume(domain, mode: .slow, options: .confirmSlowResumeOfPVAwareGuest)
    assertRunning(simulator, domain)
    assertHealthy(simulator, domain)
  }
}
