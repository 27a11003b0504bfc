import Clocks
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// Guests that do not play along: the controller must time out at the right stage, withdraw what it can, and
/// name what happened.
final class MisbehavingGuestTests: XCTestCase {
  func testAGuestThatNeverAcknowledgesTimesOutAndTheRequestIsWithdrawn() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(behaviour: .ignoresSuspendRequest))
    let clock = TestClock<Duration>()
    let controller = SuspendController(host: host, clock: clock)

    let result = await runAdvancing(clock, controller, host) {
      try await controller.suspend(domain, timeout: .seconds(60))
    }

    guard case .failure(SuspendResumeError.timedOut(domain, .acknowledgement, .seconds(60), .running)) = result else {
      return XCTFail("unexpected result: \(result)")
    }
    XCTAssertEqual(try controlNode(host, domain), "", "the request must be withdrawn")
    assertRunning(host, domain)
    assertHealthy(host, domain)
  }

  func testAGuestThatAcknowledgesButNeverSuspendsTimesOutInTheSuspensionStage() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvhvm(behaviour: .acknowledgesButNeverSuspends))
    let clock = TestClock<Duration>()
    let controller = SuspendController(host: host, clock: clock)

    let result = await runAdvancing(clock, controller, host) {
      try await controller.suspend(domain, timeout: .seconds(30))
    }

    guard case .failure(SuspendResumeError.timedOut(domain, .suspension, _, .running)) = result else {
      return XCTFail("unexpected result: \(result)")
    }
    XCTAssertEqual(host.observations(of: domain).suspendRequestsSeen, 1)
    assertRunning(host, domain)
  }

  func testAGuestThatSuspendsJustAfterTheTimeoutIsResumedBeforeTheErrorIsThrown() async throws {
    for guest in [SimulatedGuest.pv(vcpus: 2), .pv(suspendEventChannel: true, kernel: .xenLinuxClassic), .pvhvm()] {
      let clock = TestClock<Duration>()
      let host = SimulatedXenHost(
        clock: clock, reactionDelays: GuestReactionDelays(acknowledgement: .zero, suspension: .seconds(3)))
      let domain = host.createDomain(guest)
      let controller = SuspendController(host: host, clock: clock)

      let result = await runAdvancing(clock, controller, host) {
        try await controller.suspend(domain, timeout: .seconds(1))
      }

      guard case .failure(SuspendResumeError.timedOut(domain, .suspension, .seconds(1), .running)) = result else {
        XCTFail("\(guest): unexpected result: \(result)")
        continue
      }
      let observed = host.observations(of: domain)
      XCTAssertEqual(observed.suspendsCompleted, 1, "\(guest): it did suspend, after the timeout")
      XCTAssertEqual(observed.resumesCancelled, 1, "\(guest): and the controller brought it back")
      assertRunning(host, domain)
      assertHealthy(host, domain)
    }
  }

  func testASuspendThatCompletesAsTheTimeoutPassesIsUndone() async throws {
    // The guest suspends exactly at the deadline: whether the controller sees it at its last look or during the
    // grace period, the caller gets the timeout and the guest is running again.
    for guest in [SimulatedGuest.pv(vcpus: 2), .pv(suspendEventChannel: true, kernel: .xenLinuxClassic), .pvhvm()] {
      let clock = TestClock<Duration>()
      let host = SimulatedXenHost(
        clock: clock, reactionDelays: GuestReactionDelays(acknowledgement: .zero, suspension: .seconds(1)))
      let domain = host.createDomain(guest)
      let controller = SuspendController(host: host, clock: clock)

      let result = await runAdvancing(clock, controller, host) {
        try await controller.suspend(domain, timeout: .seconds(1))
      }

      guard case .failure(SuspendResumeError.timedOut(domain, .suspension, _, .running)) = result else {
        XCTFail("\(guest): unexpected result: \(result)")
        continue
      }
      assertRunning(host, domain)
      assertHealthy(host, domain)
      let next = await runAdvancing(clock, controller, host) {
        try await controller.checkpoint(domain, timeout: .seconds(5)) { _ in }
      }
      if case .failure(let error) = next { XCTFail("\(guest): the next checkpoint failed: \(error)") }
    }
  }

  func testALateSuspendWhoseResumeKeepsFailingIsTriedUntilTheGuestRunsOrTheErrorSaysItIsStillSuspended() async throws {
    // The guest suspends a second after the timeout, and the grace period's fast resume cannot read vcpu0. One
    // failure: the last look tries again, the guest runs, and the caller gets the timeout. Two or three: the failure
    // of the last look is the wait's, and a failed wait settles once more in a task of its own (two tries again):
    // the guest runs, and the error names the call and says so. Four: the error names the call, and the guest is
    // still suspended with nothing written into it.
    for failures in 1...4 {
      let clock = TestClock<Duration>()
      let host = SimulatedXenHost(
        clock: clock, reactionDelays: GuestReactionDelays(acknowledgement: .zero, suspension: .seconds(2)))
      let domain = host.createDomain(.pv(vcpus: 2))
      let controller = SuspendController(host: host, clock: clock)
      for call in 1...failures { host.injectFault(.vcpuContext, onCall: call, errno: .ioError, domain: domain) }

      let result = await runAdvancing(clock, controller, host) {
        try await controller.suspend(domain, timeout: .seconds(1))
      }

      XCTAssertEqual(host.pendingFaultCount, 0, "\(failures): each injected failure was met")
      if failures == 1 {
        guard case .failure(SuspendResumeError.timedOut(domain, .suspension, _, .running)) = result else {
          XCTFail("\(failures): unexpected result: \(result)")
          continue
        }
      } else {
        let state: DomainState = failures < 4 ? .running : .shutDown(.suspend)
        guard case .failure(SuspendResumeError.hostCall(let call, state, let undone?)) = result else {
          XCTFail("\(failures): unexpected result: \(result)")
          continue
        }
        XCTAssertEqual(call.call, XenHostOperation.vcpuContext.rawValue)
        XCTAssertEqual(call.errno, .ioError)
        XCTAssertTrue(undone.contains(failures < 4 ? "was resumed" : "may still suspend"), undone)
      }
      if failures < 4 {
        assertRunning(host, domain)
        assertHealthy(host, domain)
      } else {
        XCTAssertTrue(DomainState(try host.domainInfo(domain)).isSuspended)
      }
    }
  }

  func testAGuestThatSuspendsWithoutAVisibleAcknowledgementIsResumedAfterTheTimeout() async throws {
    // The guest cannot write its control node (read-only for it), so its acknowledgement is refused, and like
    // Linux it suspends anyway: the toolstack only ever reads "suspend" and times out at the acknowledgement.
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(vcpus: 2))
    let node = XenStorePath.controlShutdown(of: domain)
    try host.setPermissions(
      node, [XenStorePermission(domain: .dom0, access: .none), XenStorePermission(domain: domain, access: .read)],
      transaction: .none)
    let clock = TestClock<Duration>()
    let controller = SuspendController(host: host, clock: clock)

    let result = await runAdvancing(clock, controller, host) {
      try await controller.suspend(domain, timeout: .seconds(10))
    }

    guard case .failure(SuspendResumeError.timedOut(domain, .acknowledgement, _, .running)) = result else {
      return XCTFail("unexpected result: \(result)")
    }
    let observed = host.observations(of: domain)
    XCTAssertEqual(observed.acknowledgementsRefused, 1)
    XCTAssertEqual(observed.suspendsCompleted, 1)
    XCTAssertEqual(observed.resumesCancelled, 1, "the suspended guest must be brought back")
    assertRunning(host, domain)
    assertHealthy(host, domain)
  }

  func testAGuestIgnoringItsEventChannelTimesOut() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(suspendEventChannel: true, behaviour: .ignoresSuspendRequest))
    let clock = TestClock<Duration>()
    let controller = SuspendController(host: host, clock: clock)

    let result = await runAdvancing(clock, controller, host) {
      try await controller.suspend(domain, timeout: .seconds(10))
    }

    guard case .failure(SuspendResumeError.timedOut(domain, .suspension, _, .running)) = result else {
      return XCTFail("unexpected result: \(result)")
    }
    assertRunning(host, domain)
    assertHealthy(host, domain)
  }

  func testAGuestThatCrashesInsteadOfSuspendingIsReportedWithItsReason() async throws {
    for guest in [
      SimulatedGuest.pv(behaviour: .crashesOnSuspend), .pv(suspendEventChannel: true, behaviour: .crashesOnSuspend),
    ] {
      let host = SimulatedXenHost()
      let domain = host.createDomain(guest)
      let controller = SuspendController(host: host)
      await assertThrowsSuspendError({ _ = try await controller.suspend(domain, timeout: .seconds(5)) }) {
        if case .shutDownForOtherReason(domain, .crash, _) = $0 { return true }
        return false
      }
      // Resuming a crashed domain is refused without touching it.
      await assertThrowsSuspendError({ try await controller.resume(domain) }) {
        if case .notSuspended(domain, .shutDown(.crash)) = $0 { return true }
        return false
      }
    }
  }

  func testAGuestThatAcknowledgesByDeletingTheNodeCanBeSuspendedAgainAndAgain() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvhvm(behaviour: .acknowledgesByDeletingNode))
    let controller = SuspendController(host: host)
    for cycle in 1...3 {
      _ = try await controller.checkpoint(domain, timeout: .seconds(5)) { _ in }
      XCTAssertEqual(host.observations(of: domain).resumesCancelled, cycle)
    }
    assertHealthy(host, domain)
  }

  func testAGuestThatAcknowledgesWithOtherTextCountsAsAcknowledged() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(behaviour: .acknowledgesWithGarbage))
    let controller = SuspendController(host: host)
    let suspended = try await controller.suspend(domain, timeout: .seconds(5))
    XCTAssertEqual(suspended.path, .xenstoreControl)
    try await controller.resume(domain)
    assertHealthy(host, domain)
  }

  func testAPureHVMGuestThatLoadsPVDriversLaterSwitchesToTheControlNode() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.hvm())
    let controller = SuspendController(host: host)
    let first = try await controller.checkpoint(domain) { $0.path }
    XCTAssertEqual(first, .hypervisorShutdown)
    assertHealthy(host, domain)
  }
}
