import Clocks
import XCTest
import XenSimulator

@_spi(XenHostBackends) @testable import XenResumeCore

/// A controller that lives for days meets a world that changed between its calls: other toolstacks suspending
/// its guests, destroyed domains' ids handed to new guests, subscriptions left behind, guests whose facts
/// change. Each test here failed before the controller stopped trusting what it had learned.
final class StaleKnowledgeTests: XCTestCase {
  // MARK: Another toolstack suspended the domain

  /// What another toolstack's `xc_domain_shutdown` left, to compare with afterwards.
  private struct Snapshot: Equatable {
    let state: DomainState
    let vcpu0: VCPUContext
    let observations: GuestObservations
  }

  private func snapshot(_ host: SimulatedXenHost, _ domain: DomainID, width: GuestWidth) throws -> Snapshot {
    Snapshot(
      state: DomainState(try host.domainInfo(domain)),
      vcpu0: try host.vcpuContext(of: domain, vcpu: 0, width: width),
      observations: host.observations(of: domain))
  }

  func testADomainSuspendedByAnotherToolstackAfterACycleIsRefusedAndLeftAsItWas() async throws {
    for guest in [SimulatedGuest.pv(vcpus: 2), .pv(suspendEventChannel: true, kernel: .xenLinuxClassic), .pvhvm()] {
      let clock = TestClock<Duration>()
      let host = SimulatedXenHost(clock: clock)
      let domain = host.createDomain(guest)
      let controller = SuspendController(host: host, clock: clock)
      _ = try await controller.checkpoint(domain) { _ in }

      // Another toolstack stops the guest wherever it is (a bare xc_domain_shutdown, as `xl save` of an HVM
      // guest or a hand-written tool would).
      try host.shutdownDomain(domain, reason: .suspend)
      let width = guest.type == .pv ? try host.guestWidth(of: domain) : try host.hostWidth()
      let before = try snapshot(host, domain, width: width)

      let suspend = await runAdvancing(clock, controller, host) {
        try await controller.suspend(domain, timeout: .seconds(5))
      }
      guard case .failure(SuspendResumeError.refused(domain, let reason)) = suspend else {
        XCTFail("\(guest): suspend of someone else's suspended domain: \(suspend)")
        continue
      }
      XCTAssertTrue(reason.contains("another toolstack"), reason)
      let resume = await runAdvancing(clock, controller, host) { try await controller.resume(domain, mode: .fast) }
      guard case .failure(SuspendResumeError.refused(domain, _)) = resume else {
        XCTFail("\(guest): resume of someone else's suspended domain: \(resume)")
        continue
      }
      XCTAssertEqual(try snapshot(host, domain, width: width), before, "\(guest): the domain must be left as it was")

      // The other toolstack brings it back its own way; the controller notices it runs again.
      try host.resumeDomain(domain)
      try host.resumeDomainInXenStore(domain)
      let next = await runAdvancing(clock, controller, host) {
        try await controller.checkpoint(domain, timeout: .seconds(5)) { _ in }
      }
      if case .failure(let error) = next { XCTFail("\(guest): the next checkpoint failed: \(error)") }
      assertHealthy(host, domain)
      assertRunning(host, domain)
    }
  }

  func testAResumeOfADomainAnotherToolstackSuspendedCooperativelyIsRefused() async throws {
    // `xl save` of a PV guest without an event channel takes no lock: it writes the request itself.
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let controller = SuspendController(host: host)
    _ = try await controller.checkpoint(domain) { _ in }
    try host.write(XenStorePath.controlShutdown(of: domain), value: "suspend")
    XCTAssertTrue(try host.domainInfo(domain).isSuspended)
    let register = try host.vcpuContext(of: domain, vcpu: 0, width: .bits64).returnRegister

    await assertThrowsSuspendError({ try await controller.resume(domain) }) {
      if case .refused(domain, _) = $0 { return true }
      return false
    }
    XCTAssertEqual(try host.vcpuContext(of: domain, vcpu: 0, width: .bits64).returnRegister, register)
    XCTAssertTrue(try host.domainInfo(domain).isSuspended, "still suspended for the toolstack saving it")

    // The documented way to take it over: forget what the controller knew, then resume as a fresh controller.
    controller.forget(domain)
    try await controller.resume(domain)
    assertRunning(host, domain)
    assertHealthy(host, domain)
  }

  func testAFailedSuspendWhoseGuestSuspendedAnywayResumesItAndSaysSo() async throws {
    // The guest suspended, then the host call that would have shown it failed: the failed suspend must not leave the
    // guest suspended with nobody waiting, so it brings it back (fast: the guest is inside its suspend hypercall).
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let controller = SuspendController(host: host)
    _ = try await controller.checkpoint(domain) { _ in }
    host.injectFault(.domainInfo, onCall: 2, errno: .ioError, domain: domain)
    do {
      _ = try await controller.suspend(domain)
      XCTFail("the injected fault must fail the suspend")
    } catch SuspendResumeError.hostCall(let error, let state, let undone) {
      XCTAssertEqual(error.errno, .ioError)
      XCTAssertEqual(state, .running)
      XCTAssertEqual(undone, "the guest suspended within the grace period and was resumed")
    }
    assertRunning(host, domain)
    assertHealthy(host, domain)
    XCTAssertEqual(host.observations(of: domain).resumesCancelled, 2)
    // And the next checkpoint works as ever.
    _ = try await controller.checkpoint(domain) { _ in }
    assertHealthy(host, domain)
  }

  // MARK: A new domain under a known id

  func testANewDomainThatGetsADestroyedDomainsIdIsLearnedAfresh() async throws {
    let cases: [(old: SimulatedGuest, new: SimulatedGuest)] = [
      (.pv(width: .bits64), .pv(width: .bits32)),
      (.pv(suspendEventChannel: true, kernel: .xenLinuxClassic), .pvhvm()),
      (.hvm(), .pv(width: .bits32, vcpus: 2)),
      (.pvhvm(), .hvm()),
    ]
    for (old, new) in cases {
      let host = SimulatedXenHost()
      let domain = host.createDomain(old)
      let controller = SuspendController(host: host)
      _ = try await controller.checkpoint(domain) { _ in }
      let oldHandle = try host.domainInfo(domain).handle

      try host.destroyDomain(domain)
      try host.createDomain(new, reusing: domain)
      XCTAssertNotEqual(try host.domainInfo(domain).handle, oldHandle)

      let suspended = try await controller.checkpoint(domain) { $0 }
      XCTAssertEqual(suspended.guestType, new.type, "\(old) -> \(new)")
      assertHealthy(host, domain)
      assertRunning(host, domain)
      XCTAssertEqual(host.observations(of: domain).resumesCancelled, new.type == .hvm ? 0 : 1, "\(old) -> \(new)")
    }
  }

  func testANewDomainWithTheSameHandleIsToldApartByItsCPUTime() async throws {
    // `xl restore` of an image saved with `-D` brings back the id and the handle (libxl keeps the UUID); the new
    // domain starts with no CPU time.
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(suspendEventChannel: true, kernel: .xenLinuxClassic))
    let controller = SuspendController(host: host)
    for _ in 0..<3 { _ = try await controller.checkpoint(domain) { _ in } }
    var session = try XCTUnwrap(controller.existingSession(domain))
    var info = try host.domainInfo(domain)
    XCTAssertTrue(session.describes(info))
    // A guest someone checkpoints has run for a while: say 40 s of CPU time.
    info.cpuTime = 40_000_000_000
    XCTAssertTrue(session.describes(info))
    info.cpuTime = 0
    XCTAssertFalse(session.describes(info), "less CPU time under the same handle is another domain")
  }

  func testAReadingBelowAnEarlierOneByAClockSkewIsTheSameDomain() async throws {
    // Xen counts a running vcpu's current stint with the reading CPU's clock: a reading taken while the guest ran
    // may exceed one taken once it stopped (seen on the emulated Xen 4.17).
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let controller = SuspendController(host: host)
    _ = try await controller.checkpoint(domain) { _ in }
    var session = try XCTUnwrap(controller.existingSession(domain))
    var info = try host.domainInfo(domain)
    info.cpuTime = 40_000_000_000
    XCTAssertTrue(session.describes(info))
    info.cpuTime = 40_000_000_000 - 3_000_000
    XCTAssertTrue(session.describes(info), "3 ms less is the skew between two CPUs' clocks, not a new domain")
    XCTAssertEqual(session.cpuTime, 40_000_000_000, "the largest reading is kept")
    info.cpuTime = 40_000_000_000 - 2_000_000_000
    XCTAssertFalse(session.describes(info), "2 s less is another domain")
  }

  func testTheSimulatorsRunningReadingsRunAheadOfItsStoppedOnesAsXensDo() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let running = try host.domainInfo(domain)
    try host.shutdownDomain(domain, reason: .suspend)
    let stopped = try host.domainInfo(domain)
    XCTAssertLessThan(stopped.cpuTime, running.cpuTime)
  }

  // MARK: Suspend subscriptions

  func testForcingTheXenStorePathAfterTheEventChannelWithdrawsTheSubscription() async throws {
    let clock = TestClock<Duration>()
    let host = SimulatedXenHost(clock: clock)
    let domain = host.createDomain(.pv(suspendEventChannel: true, kernel: .xenLinuxClassic))
    let controller = SuspendController(host: host, clock: clock)
    let first = try await controller.checkpoint(domain) { $0.path }
    XCTAssertEqual(first, .eventChannel)

    let forced = await runAdvancing(clock, controller, host) {
      try await controller.checkpoint(domain, timeout: .seconds(10), path: .xenstoreControl) { $0.path }
    }
    XCTAssertEqual(try forced.get(), .xenstoreControl)
    XCTAssertEqual(host.boundPortCount, 0, "the event channel binding is given back with its subscription")
    // And back: the event channel path binds and subscribes again.
    let again = await runAdvancing(clock, controller, host) {
      try await controller.checkpoint(domain, timeout: .seconds(10)) { $0.path }
    }
    XCTAssertEqual(try again.get(), .eventChannel)
    assertHealthy(host, domain)
  }

  func testForgetWithdrawsTheSubscriptionSoLaterXenStoreSuspendsAreSeen() async throws {
    let clock = TestClock<Duration>()
    let host = SimulatedXenHost(clock: clock)
    let domain = host.createDomain(.pv(suspendEventChannel: true, kernel: .xenLinuxClassic))
    let controller = SuspendController(host: host, clock: clock)
    _ = try await controller.checkpoint(domain) { _ in }
    controller.forget(domain)

    try await assertReleaseDomainFiresForAnotherToolstacksSuspend(host, domain)
  }

  func testASubscriptionLeftBehindByAnotherToolstackDoesNotSilenceTheXenStorePath() async throws {
    // libxenguest's xc_suspend_evtchn_release never unsubscribes: after an `xl save -c` through the event
    // channel, Xen signals the old port instead of raising VIRQ_DOM_EXC, and @releaseDomain stays silent.
    // The guests take a second to suspend, so the controller has to wait for @releaseDomain.
    for guest in [SimulatedGuest.pv(), .pvhvm(), .pvh()] {
      let clock = TestClock<Duration>()
      let host = SimulatedXenHost(
        clock: clock, reactionDelays: GuestReactionDelays(acknowledgement: .zero, suspension: .seconds(1)))
      let domain = host.createDomain(guest)
      try host.subscribeForSuspend(domain, port: EventChannelPort(1023))
      let controller = SuspendController(host: host, clock: clock)

      let result = await runAdvancing(clock, controller, host) {
        try await controller.checkpoint(domain, timeout: .seconds(30)) { _ in }
      }
      if case .failure(let error) = result { XCTFail("\(guest): \(error)") }
      // And one left by a tool that ignores the lock while this controller's session lives.
      try host.subscribeForSuspend(domain, port: EventChannelPort(1023))
      let later = await runAdvancing(clock, controller, host) {
        try await controller.checkpoint(domain, timeout: .seconds(30)) { _ in }
      }
      if case .failure(let error) = later { XCTFail("\(guest), during a session: \(error)") }
      assertHealthy(host, domain)
      assertRunning(host, domain)
    }
  }

  // MARK: Facts that change

  func testAPVHVMGuestThatEntersAnACPISleepStateIsStoppedByTheHypervisor() async throws {
    let clock = TestClock<Duration>()
    let host = SimulatedXenHost(clock: clock)
    let domain = host.createDomain(.pvhvm())
    let controller = SuspendController(host: host, clock: clock)
    let first = try await controller.checkpoint(domain) { $0.path }
    XCTAssertEqual(first, .xenstoreControl)

    try host.setACPISleepState(3, of: domain)
    let asleep = await runAdvancing(clock, controller, host) {
      try await controller.checkpoint(domain, timeout: .seconds(10)) { $0.path }
    }
    XCTAssertEqual(try asleep.get(), .hypervisorShutdown, "a sleeping guest cannot answer its control node")
    assertHealthy(host, domain)
  }

  func testASuspendPortAdvertisedAfterTheFirstCycleIsUsed() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(suspendEventChannel: true, kernel: .xenLinuxClassic))
    let controller = SuspendController(host: host)
    let first = try await controller.checkpoint(domain) { $0.path }
    XCTAssertEqual(first, .eventChannel)
    // The guest withdraws its port (its driver unloaded): the controller notices and unbinds.
    try host.writeAsGuest(XenStorePath.suspendEventChannel(of: domain), value: "", domain: domain)
    let second = try await controller.checkpoint(domain) { $0.path }
    XCTAssertEqual(second, .xenstoreControl)
    XCTAssertEqual(host.boundPortCount, 0)
    assertHealthy(host, domain)
  }

  // MARK: The acknowledgement stage

  func testAGuestOnItsWayIntoSuspendAfterARefusedAcknowledgementIsNotLeftSuspended() async throws {
    // The guest can only read its control node: its acknowledgement is refused and, like Linux, it suspends
    // anyway, three seconds later, after the controller gave up at one second and withdrew the request.
    let clock = TestClock<Duration>()
    let host = SimulatedXenHost(
      clock: clock, reactionDelays: GuestReactionDelays(acknowledgement: .zero, suspension: .seconds(3)))
    let domain = host.createDomain(.pv(vcpus: 2))
    try host.setPermissions(
      XenStorePath.controlShutdown(of: domain),
      [XenStorePermission(domain: .dom0, access: .none), XenStorePermission(domain: domain, access: .read)],
      transaction: .none)
    let controller = SuspendController(host: host, clock: clock)

    let result = await runAdvancing(clock, controller, host) {
      try await controller.suspend(domain, timeout: .seconds(1))
    }

    guard case .failure(SuspendResumeError.timedOut(domain, .acknowledgement, .seconds(1), .running)) = result else {
      return XCTFail("unexpected result: \(result)")
    }
    let observed = host.observations(of: domain)
    XCTAssertEqual(observed.acknowledgementsRefused, 1)
    XCTAssertEqual(observed.suspendsCompleted, 1, "it did suspend, after the timeout")
    XCTAssertEqual(observed.resumesCancelled, 1, "and the controller brought it back")
    assertRunning(host, domain)
    assertHealthy(host, domain)
  }

  // MARK: Resumes from another process

  func testAResumeTakesTheSuspendLock() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    do {
      let suspending = SuspendController(host: host)
      _ = try await suspending.suspend(domain)
      suspending.forget(domain)  // the `xen-resume suspend` process ends
    }
    XCTAssertTrue(host.holdSuspendLockInAnotherProcess(for: domain))
    let resuming = SuspendController(host: host)
    await assertThrowsSuspendError({ try await resuming.resume(domain) }) {
      if case .alreadyInProgress(domain, byAnotherProcess: true) = $0 { return true }
      return false
    }
    XCTAssertTrue(try host.domainInfo(domain).isSuspended, "nothing touched")
    host.releaseSuspendLockOfAnotherProcess(for: domain)
    try await resuming.resume(domain)
    XCTAssertNil(host.suspendLockHolder(for: domain), "the resume gives back the lock it took")
    assertRunning(host, domain)
    assertHealthy(host, domain)
  }

  func testAResumeFromAnotherProcessWritesNoRegisterIntoASleepingHVMContainer() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvhvm())
    try host.setACPISleepState(3, of: domain)
    do {
      let suspending = SuspendController(host: host)
      let suspended = try await suspending.suspend(domain)
      XCTAssertEqual(suspended.path, .hypervisorShutdown)
      suspending.forget(domain)
    }
    let register = try host.vcpuContext(of: domain, vcpu: 0, width: .bits64).returnRegister
    let calls = HostCallCounter(observing: host, recording: true)
    try await SuspendController(host: host).resume(domain)
    XCTAssertFalse(calls.recordedOperations.contains(.setVCPUContext), "vcpu0 is not in a hypercall")
    XCTAssertEqual(try host.vcpuContext(of: domain, vcpu: 0, width: .bits64).returnRegister, register)
    assertRunning(host, domain)
    assertHealthy(host, domain)
  }
}
