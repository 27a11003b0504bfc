import XCTest
import XenResumeCore
import XenSimulator

/// Cancelling the task during each wait: the call ends with `CancellationError`, the request is withdrawn, and
/// the guest ends running and healthy.
final class ControllerCancellationTests: XCTestCase {
  private func cancelDuringWait(
    _ guest: SimulatedGuest, waitingOn operation: XenHostOperation, file: StaticString = #filePath, line: UInt = #line
  ) async throws {
    let simulator = SimulatedXenHost()
    let domain = simulator.createDomain(guest)
    let calls = HostCallCounter(observing: simulator, recording: true)
    let controller = SuspendController(host: simulator)
    let task = Task { try await controller.suspend(domain, timeout: .seconds(3600)) }
    let reached = await eventually { calls.recordedOperations.contains(operation) }
    XCTAssertTrue(reached, "the suspend never reached \(operation.rawValue)", file: file, line: line)
    task.cancel()
    do {
      _ = try await task.value
      XCTFail("a cancelled suspend returned", file: file, line: line)
    } catch is CancellationError {
    } catch {
      XCTFail("unexpected error \(error)", file: file, line: line)
    }
    assertRunning(simulator, domain, file: file, line: line)
    assertHealthy(simulator, domain, file: file, line: line)
    let node = try controlNode(simulator, domain)
    XCTAssertNotEqual(node, "suspend", "the request must be withdrawn", file: file, line: line)
    // The controller is free for the domain again.
    await assertThrowsSuspendError({ try await controller.resume(domain) }, file: file, line: line) {
      if case .notSuspended = $0 { return true }
      return false
    }
  }

  func testCancellingTheAcknowledgementWait() async throws {
    try await cancelDuringWait(.pv(behaviour: .ignoresSuspendRequest), waitingOn: .watch)
  }

  func testCancellingTheSuspensionWait() async throws {
    try await cancelDuringWait(.pvhvm(behaviour: .acknowledgesButNeverSuspends), waitingOn: .watch)
  }

  func testCancellingTheEventChannelWait() async throws {
    try await cancelDuringWait(
      .pv(suspendEventChannel: true, behaviour: .ignoresSuspendRequest), waitingOn: .waitForEvent)
  }

  func testCheckpointResumesWhenTheBodyThrows() async throws {
    struct CopyFailed: Error {}
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(vcpus: 2))
    let controller = SuspendController(host: host)
    do {
      _ = try await controller.checkpoint(domain) { _ in throw CopyFailed() }
      XCTFail("the body's error was swallowed")
    } catch is CopyFailed {}
    assertRunning(host, domain)
    XCTAssertEqual(host.observations(of: domain).resumesCancelled, 1)
  }

  func testCheckpointResumesWhenTheTaskIsCancelledDuringTheBody() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvhvm(suspendEventChannel: true))
    let controller = SuspendController(host: host)
    let entered = Finished()
    let task = Task {
      try await controller.checkpoint(domain) { _ in
        entered.set()
        try await Task.sleep(for: .seconds(3600))
      }
    }
    let reached = await eventually { entered.isSet }
    XCTAssertTrue(reached)
    task.cancel()
    do {
      try await task.value
      XCTFail("a cancelled checkpoint returned")
    } catch is CancellationError {}
    assertRunning(host, domain)
    assertHealthy(host, domain)
    XCTAssertEqual(host.observations(of: domain).resumesCancelled, 1)
  }

  func testASecondSuspendOfTheSameDomainWhileTheFirstWaitsIsAlreadyInProgress() async throws {
    let simulator = SimulatedXenHost()
    let domain = simulator.createDomain(.pv(behaviour: .ignoresSuspendRequest))
    let calls = HostCallCounter(observing: simulator, recording: true)
    let controller = SuspendController(host: simulator)
    let first = Task { try await controller.suspend(domain, timeout: .seconds(3600)) }
    let reached = await eventually { calls.recordedOperations.contains(.watch) }
    XCTAssertTrue(reached)
    await assertThrowsSuspendError({ _ = try await controller.suspend(domain) }) {
      $0 == .alreadyInProgress(domain, byAnotherProcess: false)
    }
    first.cancel()
    _ = try? await first.value
    assertRunning(simulator, domain)
  }
}
