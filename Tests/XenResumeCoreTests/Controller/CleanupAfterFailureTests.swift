import Logging
import Synchronization
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// What the randomised soak (XenResumeSoak) found the controller leaving behind, each as a direct test.
final class CleanupAfterFailureTests: XCTestCase {
  func testARefusedSuspendOfANewDomainUnderAKnownIdGivesTheOldSessionsLockBack() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvh())
    let controller = SuspendController(host: host)
    _ = try await controller.checkpoint(domain) { _ in }
    XCTAssertEqual(host.suspendLockHolder(for: domain), .toolstack)
    // A new domain under the id, suspended by someone else before this controller looks again.
    try host.destroyDomain(domain)
    _ = try host.createDomain(.pvh(), reusing: domain)
    try host.shutdownDomain(domain, reason: .suspend)

    await assertThrowsSuspendError({ _ = try await controller.suspend(domain) }) {
      if case .refused = $0 { return true }
      return false
    }
    XCTAssertNil(host.suspendLockHolder(for: domain), "the old session's lock must not outlive it")
  }

  func testAnUncooperativeResumeOfTheControllersOwnCooperativeSuspendIsRefused() async throws {
    for guest in [SimulatedGuest.pv(), .pvh(), .pvhvm(), .pv(suspendEventChannel: true, kernel: .xenLinuxClassic)] {
      let host = SimulatedXenHost()
      let domain = host.createDomain(guest)
      let controller = SuspendController(host: host)
      _ = try await controller.suspend(domain)
      await assertThrowsSuspendError({ try await controller.resume(domain, mode: .uncooperative) }) {
        if case .refused(_, let reason) = $0 { return reason.contains("inside its suspend hypercall") }
        return false
      }
      XCTAssertTrue(try host.domainInfo(domain).isSuspended, "\(guest): nothing touched")
      try await controller.resume(domain, mode: .fast)
      assertHealthy(host, domain)
    }
  }

  func testAReleaseDomainWatchThatCannotBeRemovedIsLogged() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let (controller, recorded) = controllerRecordingWarnings(on: host)
    // The pump's read of @releaseDomain fails, and so does its removal of the watch it gives up.
    host.injectFault(.nextWatchEvent, onCall: 2, errno: .permissionDenied)
    host.injectFault(.unwatch, onCall: 1, errno: .resourceBusy)
    _ = try await controller.checkpoint(domain) { _ in }
    _ = try? await controller.checkpoint(domain) { _ in }
    let logged = await eventually { recorded.messages.contains("could not remove the @releaseDomain watch") }
    XCTAssertTrue(logged, "\(recorded.messages)")
  }

  func testAPortThatCannotBeUnboundAfterAFailedChannelSetUpIsLogged() async throws {
    // The soak's finding (seed 20261211): the bind's pending event could not be consumed, and the unbind that undid
    // the bind failed as well; the port was left bound with nothing said.
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvhvm(suspendEventChannel: true))
    let (controller, recorded) = controllerRecordingWarnings(on: host)
    host.injectFault(.consumePendingEvent, onCall: 1, errno: .noMemory)
    host.injectFault(.unbind, onCall: 1, errno: .resourceTemporarilyUnavailable)

    await assertSuspendFails(
      controller, domain, naming: .consumePendingEvent, "the set-up's failure is the one reported")
    XCTAssertEqual(host.boundPortCount, 1)
    XCTAssertTrue(recorded.messages.contains("could not unbind the suspend event channel"), "\(recorded.messages)")
    assertRunning(host, domain)
  }

  func testATransactionThatCannotBeAbortedAfterAFailedRequestIsLogged() async throws {
    // The guest acknowledges by deleting its control node, so the next request recreates it in a transaction; the
    // transaction's permission write fails, and so does its abort.
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(behaviour: .acknowledgesByDeletingNode))
    let (controller, recorded) = controllerRecordingWarnings(on: host)
    _ = try await controller.checkpoint(domain) { _ in }
    host.injectFault(.setPermissions, onCall: 1, errno: .permissionDenied)
    host.injectFault(.endTransaction, onCall: 1, errno: .ioError)

    await assertSuspendFails(controller, domain, naming: .setPermissions, "the body's failure is the one reported")
    XCTAssertTrue(recorded.messages.contains("could not abort the xenstore transaction"), "\(recorded.messages)")
    assertRunning(host, domain)
  }

  func testAFailedRelearningKeepsKnowingThatTheControllerDidNotSuspendTheDomain() async throws {
    // The soak's finding (seed 20261212): after a resume as a new domain the next suspend learns the guest's facts
    // again; its first xenstore read failed, and the controller had dropped what it knew, so it later resumed another
    // toolstack's suspend of the guest as a domain it never knew.
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvh(suspendEventChannel: false, kernel: .xenLinuxClassic))
    let controller = SuspendController(host: host)
    _ = try await controller.suspend(domain, timeout: .seconds(5))
    _ = try await controller.resume(domain, mode: .slow, options: .confirmSlowResumeOfPVAwareGuest)
    host.injectFault(.read, onCall: 1, errno: .invalidArgument)
    do {
      _ = try await controller.suspend(domain, timeout: .seconds(5))
      XCTFail("the suspend succeeded")
    } catch SuspendResumeError.hostCall(let call, .running, _) {
      XCTAssertEqual(call.call, XenHostOperation.read.rawValue)
    }
    try host.shutdownDomain(domain, reason: .suspend)

    do {
      _ = try await controller.resume(domain, mode: .uncooperative)
      XCTFail("another toolstack's suspend was resumed")
    } catch SuspendResumeError.refused(domain, let reason) {
      XCTAssertTrue(reason.contains("suspended by another toolstack"), reason)
    }
    XCTAssertTrue(DomainState(try host.domainInfo(domain)).isSuspended)
  }

  /// A controller over `host` whose warnings are recorded.
  private func controllerRecordingWarnings(on host: SimulatedXenHost) -> (SuspendController, RecordedWarnings) {
    let recorded = RecordedWarnings()
    let controller = SuspendController(
      host: host, logger: Logger(label: "test", factory: { _ in RecordingHandler(recorded: recorded) }))
    return (controller, recorded)
  }

  /// Asserts that a suspend of `domain` fails with a host call error naming `operation`.
  private func assertSuspendFails(
    _ controller: SuspendController, _ domain: DomainID, naming operation: XenHostOperation, _ message: String,
    line: UInt = #line
  ) async {
    do {
      _ = try await controller.suspend(domain, timeout: .seconds(5))
      XCTFail("the suspend succeeded", line: line)
    } catch SuspendResumeError.hostCall(let call, _, _) {
      XCTAssertEqual(call.call, operation.rawValue, message, line: line)
    } catch {
      XCTFail("unexpected error: \(error)", line: line)
    }
  }
}

private final class RecordedWarnings: Sendable {
  private let lines = Mutex<[String]>([])
  var messages: [String] { lines.withLock { $0 } }
  func append(_ line: String) { lines.withLock { $0.append(line) } }
}

private struct RecordingHandler: LogHandler {
  let recorded: RecordedWarnings
  var metadata: Logger.Metadata = [:]
  var metadataProvider: Logger.MetadataProvider?
  var logLevel: Logger.Level = .warning

  func log(event: LogEvent) { recorded.append(event.message.description) }

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }
}
