import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// `prepare` takes what suspends need before the first one, so the first pause is as short as the rest: the host
/// calls it makes then are those of a steady-state suspend, what it holds is given back by `forget`, and what it
/// refuses it refuses before touching anything.
final class PrepareTests: XCTestCase {
  /// The host calls of one suspend (watch reads left out: the monitor's pump reads concurrently).
  private func suspendCalls(
    _ controller: SuspendController, _ domain: DomainID, _ calls: HostCallCounter, path: SuspendPath? = nil
  ) async throws -> [XenHostOperation] {
    calls.reset()
    _ = try await controller.suspend(domain, path: path)
    return calls.recordedOperations.filter { $0 != .nextWatchEvent }
  }

  func testAfterPrepareTheFirstEventChannelSuspendMakesOnlyTheSteadyStateCalls() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(suspendEventChannel: true))
    let calls = HostCallCounter(observing: host, recording: true)
    let controller = SuspendController(host: host)
    let plan = try await controller.prepare(domain)
    XCTAssertEqual(plan.path, .eventChannel)
    XCTAssertEqual(
      calls.recordedOperations.filter { $0 != .nextWatchEvent },
      [
        .toolstackDomain, .domainInfo, .guestWidth, .read, .acquireSuspendLock, .watch,
        .bindInterdomainEventChannel, .consumePendingEvent, .subscribeForSuspend,
      ])
    XCTAssertEqual(host.suspendLockHolder(for: domain), .toolstack)
    // The same calls as the second suspend of HostCallSequenceTests.testPVEventChannelPath.
    let first = try await suspendCalls(controller, domain, calls)
    XCTAssertEqual(first, [.domainInfo, .read, .notify, .consumePendingEvent, .domainInfo])
    try await controller.resume(domain, mode: .fast)
    assertHealthy(host, domain)
  }

  func testAfterPrepareTheFirstXenStoreSuspendRegistersNothing() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvhvm())
    let calls = HostCallCounter(observing: host, recording: true)
    let controller = SuspendController(host: host)
    let plan = try await controller.prepare(domain)
    XCTAssertEqual(plan.path, .xenstoreControl)
    let unprepared = try await controller.suspendPlan(for: domain)
    XCTAssertEqual(plan.reason, unprepared.reason)
    let first = try await suspendCalls(controller, domain, calls)
    XCTAssertFalse(first.contains(.watch), "\(first)")
    XCTAssertFalse(first.contains(.acquireSuspendLock), "\(first)")
    XCTAssertFalse(first.contains(.toolstackDomain), "\(first)")
    try await controller.resume(domain, mode: .fast)
    assertHealthy(host, domain)
  }

  func testForgetGivesBackWhatPrepareTookSoAnotherToolstackCanTakeTheChannel() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(suspendEventChannel: true, kernel: .xenLinuxClassic))
    let controller = SuspendController(host: host)
    try await controller.prepare(domain)
    XCTAssertFalse(host.holdSuspendLockInAnotherProcess(for: domain), "prepare holds the lock")
    controller.forget(domain)
    XCTAssertNil(host.suspendLockHolder(for: domain))
    XCTAssertTrue(host.holdSuspendLockInAnotherProcess(for: domain))
    host.releaseSuspendLockOfAnotherProcess(for: domain)
    try await assertReleaseDomainFiresForAnotherToolstacksSuspend(host, domain)
  }

  func testAForcedPathIsPreparedAndNamedAsForced() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(suspendEventChannel: true))
    let calls = HostCallCounter(observing: host, recording: true)
    let controller = SuspendController(host: host)
    let plan = try await controller.prepare(domain, path: .xenstoreControl)
    XCTAssertEqual(plan.path, .xenstoreControl)
    XCTAssertEqual(plan.reason, "forced by the caller")
    XCTAssertFalse(calls.recordedOperations.contains(.bindInterdomainEventChannel))
    let suspended = try await controller.suspend(domain, path: .xenstoreControl)
    XCTAssertEqual(suspended.path, .xenstoreControl)
    try await controller.resume(domain, mode: .fast)
    assertHealthy(host, domain)
  }

  func testPrepareRefusesBeforeTouchingAnything() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let controller = SuspendController(host: host)
    do {
      try await controller.prepare(.dom0)
      XCTFail("dom0 prepared")
    } catch let error as SuspendResumeError {
      guard case .refused = error else { return XCTFail("\(error)") }
    }
    // A path the guest cannot take: the hypervisor path would corrupt a PV guest.
    do {
      try await controller.prepare(domain, path: .hypervisorShutdown)
      XCTFail("forced hypervisor path prepared for a PV guest")
    } catch let error as SuspendResumeError {
      guard case .refused = error else { return XCTFail("\(error)") }
    }
    XCTAssertEqual(try host.domainInfo(domain).isSuspended, false)
    // As after a refused suspend, the lock the controller took while learning the domain is tracked, and given
    // back by `forget`.
    controller.forget(domain)
    XCTAssertNil(host.suspendLockHolder(for: domain))
    assertHealthy(host, domain)
  }

  func testPrepareReportsALockHeldByAnotherProcess() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(suspendEventChannel: true))
    XCTAssertTrue(host.holdSuspendLockInAnotherProcess(for: domain))
    let controller = SuspendController(host: host)
    do {
      try await controller.prepare(domain)
      XCTFail("prepared while another process holds the lock")
    } catch let error as SuspendResumeError {
      guard case .alreadyInProgress(_, let byAnotherProcess) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(byAnotherProcess)
    }
    XCTAssertEqual(host.suspendLockHolder(for: domain), .anotherProcess)
    XCTAssertEqual(try host.domainInfo(domain).isSuspended, false)
  }
}
