import Clocks
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// xenstored going away under a long-lived controller. Suspends get a minute on a test clock that never moves, so a
/// wait can only end because the host changed under it; the tests assert on the error, never on elapsed time. Once
/// xenstored is back, the same controller suspends and resumes the guest again.
final class ControllerXenStoredRestartTests: XCTestCase {
  /// A guest that is cooperative but slower to acknowledge than the test clock will ever move, and a suspend left
  /// waiting on its control node watch when `interrupt` runs; returns the suspend's outcome and what it said it
  /// undid.
  private func suspendInterruptedWhileAwaitingTheAcknowledgement(
    _ guest: SimulatedGuest, _ interrupt: (SimulatedXenHost) -> Void
  ) async throws -> (host: SimulatedXenHost, domain: DomainID, controller: SuspendController, undone: String?) {
    let clock = TestClock<Duration>()
    let host = SimulatedXenHost(clock: clock)
    let domain = host.createDomain(guest)
    host.setReactionDelays(GuestReactionDelays(acknowledgement: .seconds(3600)), for: domain)
    let controller = SuspendController(host: host, clock: clock)

    let suspend = Task { try await controller.suspend(domain, timeout: .seconds(60)) }
    // Two tasks wait on the host: the shared `@releaseDomain` pump, registered before the request, and the suspend
    // on its control node watch.
    let parked = await eventually { host.waitingTaskCount == 2 }
    XCTAssertTrue(parked, "the controller waits for the acknowledgement")
    interrupt(host)
    let lost = await suspend.result
    assertLostConnection(lost)
    guard case .failure(SuspendResumeError.hostCall(_, _, let undone)) = lost else {
      return (host, domain, controller, nil)
    }
    assertRunning(host, domain)
    return (host, domain, controller, undone)
  }

  func testASuspendWaitingForTheAcknowledgementFailsWithTheLostConnectionAndWorksAfterARestart() async throws {
    let (host, domain, controller, undone) = try await suspendInterruptedWhileAwaitingTheAcknowledgement(
      .pv(width: .bits64, vcpus: 2)
    ) { $0.stopXenStored() }
    XCTAssertTrue(undone?.contains("could not be withdrawn") == true, "\(undone ?? "nothing said")")

    await assertThrowsSuspendError({ _ = try await controller.suspend(domain, timeout: .seconds(60)) }) {
      guard case .hostCall(let error, _, _) = $0 else { return false }
      return error.errno == .connectionRefused
    }

    host.startXenStored()
    XCTAssertEqual(try controlNode(host, domain), "suspend", "the request it reported as left behind is there")
    host.setReactionDelays(nil, for: domain)
    try await suspendAndResume(domain, with: controller, on: host)
  }

  func testARequestOutstandingWhenXenstoredRestartsIsWithdrawnOverTheNewConnection() async throws {
    let (host, domain, _, undone) = try await suspendInterruptedWhileAwaitingTheAcknowledgement(.pvhvm()) {
      $0.restartXenStored()
    }
    XCTAssertEqual(undone, "the suspend request was withdrawn over a new connection")
    XCTAssertEqual(try controlNode(host, domain), "", "withdrawn: the guest will not act on it")
  }

  /// The controller's shared `@releaseDomain` watch: a suspend waiting for the guest to suspend fails with the lost
  /// connection, and after the restart the next suspend registers a new watch and completes.
  func testASuspendWaitingForTheSuspensionFailsWithTheLostConnectionAndTheSharedWatchIsRegisteredAgain() async throws {
    let clock = TestClock<Duration>()
    let host = SimulatedXenHost(clock: clock)
    let waiting = host.createDomain(.pvhvm(vcpus: 2))
    let other = host.createDomain(.pv(width: .bits64))
    // Acknowledges at once, then takes longer to suspend than the test clock will ever move.
    host.setReactionDelays(GuestReactionDelays(suspension: .seconds(3600)), for: waiting)
    let controller = SuspendController(host: host, clock: clock)

    let suspend = Task { try await controller.suspend(waiting, timeout: .seconds(60)) }
    // Once the suspend is parked on the shared watch's monitor and the monitor's pump on the host, nothing else
    // fires, so stopping then always finds it waiting for the suspension.
    let waitingForSuspension = await eventually {
      host.waitingTaskCount == 1 && controller.waitSnapshot.monitorParked == 1
    }
    XCTAssertTrue(waitingForSuspension, "the controller waits for the suspension")
    host.stopXenStored()
    assertLostConnection(await suspend.result)

    host.startXenStored()
    try await suspendAndResume(other, with: controller, on: host)
  }

  /// xenstored restarts while no suspend is running: the shared watch's pump notices, and the next suspend does not
  /// trip over the dead watch.
  func testARestartBetweenSuspendsIsInvisibleToTheNextSuspend() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(width: .bits64, vcpus: 2))
    let controller = SuspendController(host: host, clock: TestClock<Duration>())
    try await suspendAndResume(domain, with: controller, on: host)

    let sharedWatches = releaseDomainRegistrations(host)
    XCTAssertEqual(sharedWatches.count, 1, "the first suspend registered the shared watch")
    host.restartXenStored()
    // The pump unwatches the dead watch after dropping it, so once that call is traced the next suspend registers
    // anew. (A suspend that starts before the pump has noticed waits on the dead watch and fails with the lost
    // connection, as a suspend that was already waiting does.)
    let pumpNoticed = await eventually {
      host.trace.contains {
        $0.operation == .unwatch && sharedWatches.map(HostCallArguments.watch).contains($0.arguments)
      }
    }
    XCTAssertTrue(pumpNoticed, "the pump dropped the old watch")
    try await suspendAndResume(domain, with: controller, on: host)
    XCTAssertEqual(releaseDomainRegistrations(host).count, 2, "the shared watch was registered again")
    let controlNode = XenStorePath.controlShutdown(of: domain)
    XCTAssertEqual(
      host.trace.filter { $0.arguments == .watchPath(controlNode) }.count, 2,
      "the control node watch the session keeps was registered again beside it")
    XCTAssertEqual(host.watchCount, 2, "the shared watch and the control node watch, on the new connection")
  }

  // MARK: Helpers

  /// The `@releaseDomain` watches registered so far, from the trace.
  private func releaseDomainRegistrations(_ host: SimulatedXenHost) -> [XenStoreWatchID] {
    host.trace.compactMap { record in
      guard record.arguments == .watchPath(XenStorePath.releaseDomain),
        case .succeeded(.watch(let watch)) = record.outcome
      else { return nil }
      return watch
    }
  }

  private func suspendAndResume(
    _ domain: DomainID, with controller: SuspendController, on host: SimulatedXenHost,
    file: StaticString = #filePath, line: UInt = #line
  ) async throws {
    let suspended = try await controller.suspend(domain, timeout: .seconds(60))
    XCTAssertEqual(suspended.domain, domain, file: file, line: line)
    try await controller.resume(domain)
    assertRunning(host, domain, file: file, line: line)
    assertHealthy(host, domain, file: file, line: line)
  }

  private func assertLostConnection(
    _ result: Result<SuspendedDomain, any Error>, file: StaticString = #filePath, line: UInt = #line
  ) {
    guard case .failure(SuspendResumeError.hostCall(let error, _, _)) = result else {
      return XCTFail("expected the lost connection, got \(result)", file: file, line: line)
    }
    XCTAssertEqual(error, .xenStoreConnectionLost(.nextWatchEvent), file: file, line: line)
    XCTAssertTrue(
      "\(error)".contains("connection to xenstored was lost"), "the error names the cause: \(error)", file: file,
      line: line)
  }
}
