import Clocks
import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// Guests that attack the toolstack with what Xen lets any guest do (`HostileGuest`): the controller answers each
/// with a typed error or a timeout within its bound, changes nothing outside the guest, spends host calls in
/// proportion to what the guest really did, and leaves the guest running wherever it can.
final class HostileGuestTests: XCTestCase {
  /// The longest a timed-out suspend may take on the test clock: its timeout, the grace period a guest that may
  /// still suspend gets, and one step of `runAdvancing`'s clock.
  private func timeoutBound(_ timeout: Duration) -> Duration { timeout + .seconds(5) + .seconds(1) }

  /// A host on a test clock with one guest made hostile, and a controller on the same clock.
  private func hostile(
    _ guest: SimulatedGuest, _ hostility: HostileGuest?
  ) -> (SimulatedXenHost, DomainID, SuspendController, TestClock<Duration>) {
    let clock = TestClock<Duration>()
    let host = SimulatedXenHost(clock: clock)
    host.traceCapacity = 100_000
    let domain = host.createDomain(guest)
    if let hostility { host.makeHostile(domain, hostility) }
    return (host, domain, SuspendController(host: host, clock: clock), clock)
  }

  // MARK: control/shutdown

  func testAGarbageOrEnormousAnswerCountsAsAnAcknowledgementAndTimesOutInTheSuspensionStage() async throws {
    for value in [HostileValue.garbage, .enormous] {
      let (host, domain, controller, clock) = hostile(.pv(), .answersControlNode(with: value))
      let start = clock.now

      let result = await runAdvancing(clock, controller, host) {
        try await controller.suspend(domain, timeout: .seconds(10))
      }

      guard case .failure(SuspendResumeError.timedOut(domain, .suspension, .seconds(10), .running)) = result else {
        XCTFail("\(value): unexpected result: \(result)")
        continue
      }
      XCTAssertLessThanOrEqual(start.duration(to: clock.now), timeoutBound(.seconds(10)), "\(value)")
      XCTAssertNotEqual(try controlNode(host, domain), "suspend", "\(value): nothing asks the guest any more")
      // Learning whether the node exists, the answer, and one look once the time is up: whatever the answer's size.
      XCTAssertEqual(
        host.trace.filter { $0.operation == .read && $0.arguments == readOf(controlNode: domain) }.count, 3,
        "\(value): the node is read a fixed number of times")
      assertConfined(host.trace, to: domain)
      assertRunning(host, domain)
    }
  }

  func testAWatchStormCostsAFewHostCallsPerGuestWriteAndTheRequestIsWithdrawn() async throws {
    // The guest rewrites "suspend" 50 times a second for the whole 10 s timeout: about 500 watch events.
    let (host, domain, controller, clock) = hostile(.pv(), .watchStorm(writesPerTick: 50, period: .seconds(1)))
    let calls = HostCallCounter(observing: host)
    let wallClock = ContinuousClock()
    let wallStart = wallClock.now

    let result = await runAdvancing(clock, controller, host) {
      try await controller.suspend(domain, timeout: .seconds(10))
    }
    let wallTime = wallStart.duration(to: wallClock.now)

    guard case .failure(SuspendResumeError.timedOut(domain, .acknowledgement, .seconds(10), .running)) = result else {
      return XCTFail("unexpected result: \(result)")
    }
    XCTAssertEqual(try controlNode(host, domain), "", "the request is withdrawn, which ends the storm")
    let stormEnded = await eventually { host.pendingReactionCount == 0 }
    XCTAssertTrue(stormEnded, "the guest's storm stopped once the request was withdrawn")
    let rewrites = host.observations(of: domain).controlNodeRewrites
    XCTAssertGreaterThanOrEqual(rewrites, 500, "the storm lasted the whole timeout")
    // Each guest write fires the watch once, and the controller may spend a dequeue (or a blocking wait) and a read
    // on each event: 2 calls per write. 64 covers everything else one suspend attempt does (the plan, the request,
    // the withdrawal transaction, the grace period, the shared @releaseDomain watch). Host calls are counted, not
    // timed, so the bound cannot fail by chance; a controller that re-read the node more than once per event, or
    // polled it while waiting, would exceed it.
    XCTAssertLessThanOrEqual(calls.totalCalls, 2 * rewrites + 64, "\(calls.callCounts)")
    XCTAssertLessThanOrEqual(calls.callCounts[.read] ?? 0, rewrites + 8, "at most one read per watch event")
    // Wall time only guards against a runaway: the simulated storm costs well under a second of real time, 60 s
    // cannot be reached by load alone on a 2-core machine (the loop above advances the test clock 16 times).
    XCTAssertLessThan(wallTime, .seconds(60))
    assertConfined(host.trace, to: domain)
    assertRunning(host, domain)
  }

  func testAGuestRewritingItsNodeFasterThanItIsReadCannotKeepTheSuspendPastItsTimeout() async throws {
    // Every read of the node is followed by the guest writing it again, so the watch always holds an event and the
    // wait never has to park: before the fix, the loop took queued events for ever, past its timeout, deaf to
    // cancellation. runAdvancing cannot drive it (nothing ever parks), so the clock is moved on here while the
    // controller runs; the outcome does not depend on how the two interleave.
    let (host, domain, controller, clock) = hostile(.pv(), .rewritesControlNodeOnEveryRead)
    let done = Finished()
    let suspend = Task {
      defer { done.set() }
      return try await controller.suspend(domain, timeout: .seconds(10))
    }
    let wallClock = ContinuousClock()
    let wallStart = wallClock.now
    while !done.isSet && wallStart.duration(to: wallClock.now) < .seconds(60) {
      await clock.advance(by: .seconds(1))
      try await Task.sleep(for: .milliseconds(5))
    }
    guard done.isSet else {
      // Left spinning: the process ends with the test run.
      return XCTFail("the suspend still asked the guest after 60 s of real time and many timeouts of test time")
    }
    // Once the time is up the request is withdrawn inside a transaction (so that a late acknowledgement is not
    // overwritten); this guest's rewrite after the transaction's read makes every attempt conflict, so the
    // controller says it could not withdraw it, rather than overwrite the guest's node without a transaction.
    let result = await suspend.result
    guard case .failure(SuspendResumeError.hostCall(let call, state: let state, undone: let undone?)) = result,
      call.call == XenHostOperation.endTransaction.rawValue, call.errno == .resourceTemporarilyUnavailable,
      undone.contains("could not be withdrawn"), state == .running
    else {
      return XCTFail("unexpected result: \(result)")
    }
    XCTAssertGreaterThan(host.observations(of: domain).controlNodeRewrites, 0, "the guest did rewrite its node")
    assertConfined(host.trace, to: domain)
    assertRunning(host, domain)
  }

  func testAGuestThatAcknowledgesAndNeverSuspendsTimesOutWithinTheBoundAndStaysRunning() async throws {
    let (host, domain, controller, clock) = hostile(.pvhvm(behaviour: .acknowledgesButNeverSuspends), nil)
    let start = clock.now

    let result = await runAdvancing(clock, controller, host) {
      try await controller.suspend(domain, timeout: .seconds(10))
    }

    guard case .failure(SuspendResumeError.timedOut(domain, .suspension, .seconds(10), .running)) = result else {
      return XCTFail("unexpected result: \(result)")
    }
    XCTAssertLessThanOrEqual(start.duration(to: clock.now), timeoutBound(.seconds(10)))
    XCTAssertEqual(try controlNode(host, domain), "", "the guest's acknowledgement; no request left out")
    assertConfined(host.trace, to: domain)
    assertRunning(host, domain)
    assertHealthy(host, domain)
  }

  // MARK: Suspend ports

  func testAnAdvertisedPortThatLeadsNowhereIsRefusedByXenAndNothingIsLeftBound() async throws {
    for port in [HostilePort.nonexistent, .anotherGuests(DomainID(1)), .changesOnEveryRead] {
      let clock = TestClock<Duration>()
      let host = SimulatedXenHost(clock: clock)
      let other = host.createDomain(.pv(suspendEventChannel: true))
      XCTAssertEqual(other, DomainID(1))
      let domain = host.createDomain(.pv(suspendEventChannel: true))
      host.makeHostile(domain, .advertisesPort(port))
      let controller = SuspendController(host: host, clock: clock)

      // Twice: a second attempt meets the same refusal, with nothing left over from the first.
      for attempt in 1...2 {
        let result = await runAdvancing(clock, controller, host) {
          try await controller.suspend(domain, timeout: .seconds(10))
        }
        guard case .failure(SuspendResumeError.hostCall(let call, .running, _)) = result else {
          XCTFail("\(port) attempt \(attempt): unexpected result: \(result)")
          continue
        }
        XCTAssertEqual(call.call, XenHostOperation.bindInterdomainEventChannel.rawValue, "\(port)")
        XCTAssertEqual(call.errno, .invalidArgument, "\(port)")
        XCTAssertEqual(call.domain, domain, "\(port): the bind named the hostile guest")
      }
      XCTAssertEqual(host.boundPortCount(to: domain), 0, "\(port)")
      XCTAssertEqual(host.boundPortCount(to: other), 0, "\(port): the other guest's port was never bound")
      XCTAssertEqual(host.observations(of: other).suspendRequestsSeen, 0, "\(port)")
      XCTAssertEqual(try controlNode(host, domain), "", "\(port): no request was written")
      assertConfined(host.trace, to: domain)
      assertRunning(host, domain)
      assertRunning(host, other)
    }
  }

  func testAGuestThatReadvertisesItsPortWhenNotifiedTimesOutEachTimeWithoutLeakingBindings() async throws {
    let (host, domain, controller, clock) = hostile(.pv(suspendEventChannel: true), .readvertisesPortWhenNotified)
    var callsPerAttempt: [Int] = []

    for attempt in 1...3 {
      let calls = HostCallCounter(observing: host)
      let start = clock.now
      let result = await runAdvancing(clock, controller, host) {
        try await controller.suspend(domain, timeout: .seconds(10))
      }
      guard case .failure(SuspendResumeError.timedOut(domain, .suspension, .seconds(10), .running)) = result else {
        XCTFail("attempt \(attempt): unexpected result: \(result)")
        continue
      }
      XCTAssertLessThanOrEqual(start.duration(to: clock.now), timeoutBound(.seconds(10)))
      callsPerAttempt.append(calls.totalCalls)
    }
    // Each attempt binds the port advertised then, and unbinds the binding the guest abandoned: one stays.
    let binds = host.trace.filter { $0.operation == .bindInterdomainEventChannel && $0.succeeded }.count
    let unbinds = host.trace.filter { $0.operation == .unbind && $0.succeeded }.count
    XCTAssertEqual(binds, 3)
    XCTAssertEqual(unbinds, 2, "no binding is left behind")
    XCTAssertEqual(host.observations(of: domain).suspendPortsReadvertised, 4, "once at start, once per attempt")
    // The guest's endless new ports cost each attempt the same: an unbind of the old binding and a bind of the new.
    let first = try XCTUnwrap(callsPerAttempt.first)
    for calls in callsPerAttempt.dropFirst() { XCTAssertLessThanOrEqual(calls, first + 4, "\(callsPerAttempt)") }
    assertConfined(host.trace, to: domain)
    assertRunning(host, domain)
  }

  // MARK: Crashing

  func testAGuestThatCrashesOnceResumedIsReportedOnTheNextSuspendWithoutBeingTouched() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(vcpus: 2))
    host.makeHostile(domain, .crashesWhenResumed)
    let controller = SuspendController(host: host)

    // Xen resumed it; that it crashed at once is only visible afterwards.
    try await controller.checkpoint(domain, timeout: .seconds(5)) { _ in }
    XCTAssertEqual(host.domainState(of: domain), .shutDown(.crash))

    host.clearTrace()
    await assertThrowsSuspendError({ _ = try await controller.suspend(domain, timeout: .seconds(5)) }) {
      if case .shutDownForOtherReason(domain, .crash, _) = $0 { return true }
      return false
    }
    await assertThrowsSuspendError({ try await controller.resume(domain) }) {
      if case .notSuspended(domain, .shutDown(.crash)) = $0 { return true }
      return false
    }
    let changes = host.trace.filter { Self.changingCalls.contains($0.operation) }
    XCTAssertEqual(changes, [], "a crashed guest is reported, not written to")
    assertConfined(host.trace, to: domain)
  }

  // MARK: Memory damaged while suspended

  func testDamagedStartInfoIsRefusedBeforeAnyWriteAndAFastResumeStillBringsTheGuestBack() async throws {
    let healthyReads = try await readsOfAHealthySlowResume()
    for (corruption, hint) in [(HostileMemoryCorruption.startInfoMagic, "magic"), (.startInfoRingFrames, "max_pfn")] {
      try await assertSlowResumeRefused(
        corruption, errno: .invalidArgument, hint: hint, readsAtMost: healthyReads)
    }
  }

  func testAP2MNamingFramesOutsideTheGuestOrACycleIsRefusedAfterABoundedWalkWithNothingWritten() async throws {
    // The p2m's walk has a fixed depth, so a cycle cannot make it loop; a ring frame the guest does not own is
    // found by reading it before anything is written: Xen maps only the guest's own frames, and answers EPERM for
    // any other (as the simulator does).
    let healthyReads = try await readsOfAHealthySlowResume()
    for corruption in [HostileMemoryCorruption.p2mEntryOutsideItsMemory, .p2mEntryToDom0Frame, .p2mFrameListCycle] {
      try await assertSlowResumeRefused(
        corruption, errno: .notPermitted, hint: "a frame the guest does not own cannot be mapped",
        readsAtMost: healthyReads)
    }
  }

  /// Suspends a 2-vcpu PV guest that damages its memory on the way in, and checks that its slow resume is refused
  /// with a failed foreign read (errno and hint as given) before any change, after no more reads than an undamaged
  /// guest's resume makes, and that a fast resume then brings it back.
  private func assertSlowResumeRefused(
    _ corruption: HostileMemoryCorruption, errno: Errno, hint: String, readsAtMost healthyReads: Int,
    file: StaticString = #filePath, line: UInt = #line
  ) async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(vcpus: 2))
    host.makeHostile(domain, .corruptsMemoryWhileSuspended(corruption))
    let controller = SuspendController(host: host)
    _ = try await controller.suspend(domain, timeout: .seconds(5))
    host.clearTrace()

    await assertThrowsSuspendError(
      { try await controller.resume(domain, mode: .slow, options: .confirmSlowResumeOfPVAwareGuest) },
      file: file, line: line
    ) {
      guard case .hostCall(let call, let state, nil) = $0 else { return false }
      return call.call == XenHostOperation.readGuestMemory.rawValue && call.errno == errno
        && (call.hint ?? "").contains(hint) && state?.isSuspended == true
    }
    XCTAssertEqual(
      host.trace.filter { Self.changingCalls.contains($0.operation) }, [],
      "\(corruption): refused before the first change", file: file, line: line)
    XCTAssertLessThanOrEqual(
      host.trace.filter { $0.operation == .readGuestMemory }.count, healthyReads,
      "\(corruption): refused after no more reads than an undamaged guest's resume makes", file: file, line: line)

    try await controller.resume(domain, mode: .fast)
    assertRunning(host, domain, file: file, line: line)
    assertConfined(host.trace, to: domain, file: file, line: line)
  }

  /// The foreign memory reads a slow resume of an undamaged 2-vcpu PV guest makes.
  private func readsOfAHealthySlowResume() async throws -> Int {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(vcpus: 2))
    let controller = SuspendController(host: host)
    _ = try await controller.suspend(domain, timeout: .seconds(5))
    host.clearTrace()
    try await controller.resume(domain, mode: .slow, options: .confirmSlowResumeOfPVAwareGuest)
    assertHealthy(host, domain)
    return host.trace.filter { $0.operation == .readGuestMemory }.count
  }

  func testAGuestWithADamagedP2MIsBroughtBackUnharmedByAFastResume() async throws {
    for corruption in [HostileMemoryCorruption.p2mEntryOutsideItsMemory, .p2mEntryToDom0Frame, .p2mFrameListCycle] {
      let host = SimulatedXenHost()
      let domain = host.createDomain(.pv(vcpus: 2))
      host.makeHostile(domain, .corruptsMemoryWhileSuspended(corruption))
      let controller = SuspendController(host: host)
      try await controller.checkpoint(domain, timeout: .seconds(5)) { _ in }
      XCTAssertFalse(host.trace.contains { $0.operation == .readGuestMemory }, "a fast resume reads no p2m")
      assertConfined(host.trace, to: domain)
      assertRunning(host, domain)
      assertHealthy(host, domain)
    }
  }

  // MARK: Confinement

  /// The calls that change something in Xen, xenstore or the guest.
  private static let changingCalls: Set<XenHostOperation> = [
    .write, .remove, .setPermissions, .shutdownDomain, .resumeDomain, .setVCPUContext, .resetVCPU,
    .writeGuestMemory, .resumeDomainInXenStore, .bindInterdomainEventChannel, .subscribeForSuspend, .notify,
  ]

  private func readOf(controlNode domain: DomainID) -> HostCallArguments {
    .path(XenStorePath.controlShutdown(of: domain), transaction: .none)
  }

  /// Asserts that every change the trace records stayed inside `guest`: xenstore writes below its home, domain
  /// calls naming it, and guest memory writes that Xen accepted (the simulator refuses a frame the domain does not
  /// own, as Xen does).
  private func assertConfined(
    _ trace: [HostCallRecord], to guest: DomainID, file: StaticString = #filePath, line: UInt = #line
  ) {
    let home = XenStorePath.home(of: guest) + "/"
    for record in trace {
      switch record.arguments {
      case .write(let path, _, _), .permissions(let path, _, _):
        XCTAssertTrue(path.hasPrefix(home), "a write outside the guest: \(record)", file: file, line: line)
      case .path(let path, _) where record.operation == .remove:
        XCTAssertTrue(path.hasPrefix(home), "a removal outside the guest: \(record)", file: file, line: line)
      default:
        break
      }
      if Self.changingCalls.contains(record.operation), let domain = record.domain {
        XCTAssertEqual(domain, guest, "a call about another domain: \(record)", file: file, line: line)
      }
      if record.operation == .writeGuestMemory {
        XCTAssertTrue(record.succeeded, "a refused guest memory write: \(record)", file: file, line: line)
      }
    }
  }
}
