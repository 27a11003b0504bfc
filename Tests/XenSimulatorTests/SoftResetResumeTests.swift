import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// The library's soft-reset slow resume of PVH and PVHVM guests, end to end through `SuspendController` against the
/// simulator's rules: the guest must survive as a new domain with working channels, and a rebuild that fails half
/// way must hold the domain paused until a second slow resume finishes it.
final class SoftResetResumeTests: XCTestCase {
  private static let linuxGuests: [SimulatedGuest] = [
    .pvh(kernel: .linux), .pvh(vcpus: 2, kernel: .linux), .pvhvm(kernel: .linux), .pvhvm(vcpus: 3, kernel: .linux),
  ]

  private func assertSurvivedAsANewDomain(
    _ host: SimulatedXenHost, _ domain: DomainID, _ guest: SimulatedGuest,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertEqual(host.domainState(of: domain), .running, "\(guest)", file: file, line: line)
    let observations = host.observations(of: domain)
    XCTAssertTrue(observations.isHealthy, "\(guest): \(observations.failure ?? "")", file: file, line: line)
    XCTAssertNil(observations.kernelPanic, "\(guest)", file: file, line: line)
    XCTAssertEqual(observations.phase, .running, "\(guest)", file: file, line: line)
    XCTAssertEqual(observations.resumesAsNewDomain, 1, "\(guest)", file: file, line: line)
    XCTAssertEqual(observations.driverReconnects, 1, "\(guest)", file: file, line: line)
    XCTAssertTrue(observations.xenstoreConnected, "\(guest)", file: file, line: line)
    XCTAssertTrue(observations.consoleConnected, "\(guest)", file: file, line: line)
    // Registered at boot, dropped by the soft reset, registered once more: Xen holds one registration per vcpu.
    XCTAssertEqual(host.registeredVCPUInfoCount(of: domain), guest.vcpus, "\(guest)", file: file, line: line)
    XCTAssertEqual(observations.vcpuInfoRegistrations, 2 * guest.vcpus, "\(guest)", file: file, line: line)
  }

  func testASlowResumeOfALinuxPVHOrPVHVMGuestSoftResetsItAndTheGuestSurvivesAndAnswersTheNextSuspend() async throws {
    for release in SimulatedXenRelease.allCases {
      for guest in Self.linuxGuests {
        let host = SimulatedXenHost(release: release)
        let domain = host.createDomain(guest)
        let controller = SuspendController(host: host)
        _ = try await controller.suspend(domain)
        host.clearTrace()
        try await controller.resume(domain, mode: .slow)
        assertSurvivedAsANewDomain(host, domain, guest)
        let calls = host.trace.map(\.operation)
        XCTAssertEqual(calls.count { $0 == .softResetDomain }, 1, "\(guest) on \(release)")
        XCTAssertEqual(calls.count { $0 == .allocateUnboundEventChannel }, 2, "\(guest): store and console")
        XCTAssertEqual(calls.count { $0 == .introduceDomain }, 1, "\(guest)")

        _ = try await controller.suspend(domain)
        try await controller.resume(domain, mode: .fast)
        let observations = host.observations(of: domain)
        XCTAssertTrue(observations.isHealthy, "\(guest) on \(release): \(observations.failure ?? "")")
        XCTAssertEqual(observations.suspendsCompleted, 2, "\(guest) on \(release)")
        XCTAssertEqual(observations.resumesCancelled, 1, "\(guest) on \(release)")
        XCTAssertEqual(host.domainState(of: domain), .running, "\(guest) on \(release)")
      }
    }
  }

  /// A rebuild call fails once after the soft reset: the resume reports `rebuildIncomplete` naming the call, the
  /// domain is held paused with the guest not run, suspends and fast resumes are refused, and a second slow resume
  /// finishes the rebuild without allocating again what the first one allocated.
  private func assertARebuildThatFailsOnceIsFinishedBySlowResumingAgain(
    failing operation: XenHostOperation, guest: SimulatedGuest, file: StaticString = #filePath, line: UInt = #line
  ) async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(guest)
    let controller = SuspendController(host: host)
    _ = try await controller.suspend(domain)
    host.clearTrace()
    // xenstore calls are not about one domain in the trace (the first xs_write of the resume is `console/port`).
    host.injectFault(operation, errno: .ioError, domain: operation == .write ? nil : domain)

    do {
      try await controller.resume(domain, mode: .slow)
      XCTFail("\(operation): the resume succeeded", file: file, line: line)
    } catch SuspendResumeError.rebuildIncomplete(let failedDomain, let error, let remaining) {
      XCTAssertEqual(failedDomain, domain, file: file, line: line)
      XCTAssertEqual(error.call, operation.rawValue, file: file, line: line)
      XCTAssertEqual(error.errno, .ioError, file: file, line: line)
      XCTAssertEqual(remaining.last, "unpause", file: file, line: line)
    }
    XCTAssertEqual(host.pendingFaultCount, 0, file: file, line: line)
    XCTAssertEqual(host.domainState(of: domain), .paused, "\(operation)", file: file, line: line)
    var observations = host.observations(of: domain)
    XCTAssertEqual(observations.phase, .suspended, "\(operation): the guest has not run", file: file, line: line)
    XCTAssertEqual(observations.resumesAsNewDomain, 0, "\(operation)", file: file, line: line)
    XCTAssertTrue(observations.isHealthy, "\(operation): \(observations.failure ?? "")", file: file, line: line)

    await assertThrowsRefusal(file: file, line: line) { _ = try await controller.suspend(domain) }
    await assertThrowsRefusal(file: file, line: line) { try await controller.resume(domain, mode: .fast) }
    XCTAssertEqual(host.domainState(of: domain), .paused, "\(operation)", file: file, line: line)
    XCTAssertEqual(host.observations(of: domain).phase, .suspended, file: file, line: line)

    try await controller.resume(domain, mode: .slow)
    assertSurvivedAsANewDomain(host, domain, guest, file: file, line: line)
    let trace = host.trace
    let succeeded = trace.filter(\.succeeded).map(\.operation)
    XCTAssertEqual(
      succeeded.count { $0 == .softResetDomain }, 1, "\(operation): one soft reset", file: file, line: line)
    XCTAssertEqual(
      succeeded.count { $0 == .allocateUnboundEventChannel }, 2,
      "\(operation): the store and console ports, each allocated once: \(trace)", file: file, line: line)
    // An introduce whose check failed is made again: xenstored binds the same port once more.
    XCTAssertEqual(
      succeeded.count { $0 == .introduceDomain }, operation == .eventChannelStatus ? 2 : 1, "\(operation)",
      file: file, line: line)
    XCTAssertEqual(
      trace.count { $0.operation == operation && $0.outcome == .failed(.ioError, injected: true) }, 1, file: file,
      line: line)

    _ = try await controller.suspend(domain)
    try await controller.resume(domain, mode: .fast)
    observations = host.observations(of: domain)
    XCTAssertTrue(observations.isHealthy, "\(operation): \(observations.failure ?? "")", file: file, line: line)
    XCTAssertEqual(observations.resumesCancelled, 1, "\(operation)", file: file, line: line)
  }

  private func assertThrowsRefusal(
    file: StaticString, line: UInt, _ body: () async throws -> Void
  ) async {
    do {
      try await body()
      XCTFail("expected a refusal", file: file, line: line)
    } catch SuspendResumeError.refused {
    } catch {
      XCTFail("expected a refusal, got \(error)", file: file, line: line)
    }
  }

  func testASetHVMParameterThatFailsOnceHoldsTheDomainPausedUntilASecondSlowResumeFinishesTheRebuild() async throws {
    try await assertARebuildThatFailsOnceIsFinishedBySlowResumingAgain(
      failing: .setHVMParameter, guest: .pvh(vcpus: 2, kernel: .linux))
  }

  func testAnIntroduceThatFailsOnceHoldsTheDomainPausedUntilASecondSlowResumeFinishesTheRebuild() async throws {
    try await assertARebuildThatFailsOnceIsFinishedBySlowResumingAgain(
      failing: .introduceDomain, guest: .pvhvm(kernel: .linux))
  }

  func testEveryRebuildCallThatFailsOnceIsFinishedBySlowResumingAgain() async throws {
    let operations: [XenHostOperation] = [
      .allocateUnboundEventChannel, .setHVMParameter, .introduceDomain, .eventChannelStatus, .write,
      .resumeDomainInXenStore, .unpauseDomain,
    ]
    for operation in operations {
      try await assertARebuildThatFailsOnceIsFinishedBySlowResumingAgain(
        failing: operation, guest: .pvhvm(vcpus: 2, kernel: .linux))
    }
  }

  func testAGuestWithASuspendEventChannelIsSuspendedOverItsNewPortAfterASoftResetResume() async throws {
    for guest in [SimulatedGuest.pvh(suspendEventChannel: true), .pvhvm(vcpus: 2, suspendEventChannel: true)] {
      let host = SimulatedXenHost()
      let domain = host.createDomain(guest)
      let controller = SuspendController(host: host)
      let first = try await controller.suspend(domain)
      XCTAssertEqual(first.path, .eventChannel, "\(guest)")
      try await controller.resume(domain, mode: .slow)
      let observations = host.observations(of: domain)
      XCTAssertTrue(observations.isHealthy, "\(guest): \(observations.failure ?? "")")
      XCTAssertTrue(observations.xenstoreConnected, "\(guest)")
      XCTAssertEqual(observations.advertisedSuspendPort, EventChannelPort(3), "\(guest): after the store and console")
      let second = try await controller.suspend(domain)
      XCTAssertEqual(second.path, .eventChannel, "\(guest)")
      try await controller.resume(domain, mode: .fast)
      XCTAssertTrue(host.observations(of: domain).isHealthy, "\(guest)")
      XCTAssertEqual(host.observations(of: domain).resumesCancelled, 1, "\(guest)")
    }
  }
}
