import Clocks
import MetricsTestKit
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// What a controller reports through swift-metrics, through a factory passed to it (the process-wide bootstrap can
/// happen only once, so the tests never use it).
final class ControllerMetricsTests: XCTestCase {
  typealias Names = SuspendControllerMetrics

  func testASuspendAndResumeRecordTheirDurationsWithTheirDimensions() async throws {
    let metrics = TestMetrics()
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let controller = SuspendController(host: host, metricsFactory: metrics)

    let suspended = try await controller.suspend(domain, timeout: .seconds(5))
    let resumed = try await controller.resume(domain, mode: .fast)

    let suspendTimer = try metrics.expectTimer(
      Names.suspendDuration, [("path", "xenstoreControl"), ("guest_type", "pv")])
    XCTAssertEqual(suspendTimer.values, [nanoseconds(suspended.duration)])
    let resumeTimer = try metrics.expectTimer(
      Names.resumeDuration, [("mode", "fast"), ("path", "xenstoreControl"), ("guest_type", "pv")])
    XCTAssertEqual(resumeTimer.values, [nanoseconds(resumed.duration)])
    XCTAssertEqual(
      try metrics.expectCounter(Names.operations, [("operation", "suspend"), ("outcome", "ok")]).totalValue, 1)
    XCTAssertEqual(
      try metrics.expectCounter(Names.operations, [("operation", "resume"), ("outcome", "ok")]).totalValue, 1)
    XCTAssertEqual(metrics.timers(label: Names.suspendDuration).count, 1, "one series, only the one used")
  }

  func testTheSuspendedDomainsMeterGoesUpWithASuspendAndDownWithItsResume() async throws {
    let metrics = TestMetrics()
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvhvm(suspendEventChannel: true))
    let controller = SuspendController(host: host, metricsFactory: metrics)

    _ = try await controller.suspend(domain, timeout: .seconds(5))
    let meter = try metrics.expectMeter(Names.suspendedDomains)
    XCTAssertEqual(meter.lastValue, 1)
    try await controller.resume(domain)
    XCTAssertEqual(meter.values, [1, 0])

    // A domain forgotten while suspended is no longer this controller's.
    _ = try await controller.suspend(domain, timeout: .seconds(5))
    controller.forget(domain)
    XCTAssertEqual(meter.values, [1, 0, 1, 0])
  }

  func testATimedOutSuspendIsCountedAsTimedOut() async throws {
    let metrics = TestMetrics()
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(behaviour: .ignoresSuspendRequest))
    let clock = TestClock<Duration>()
    let controller = SuspendController(host: host, clock: clock, metricsFactory: metrics)

    let result = await runAdvancing(clock, controller, host) {
      try await controller.suspend(domain, timeout: .seconds(10))
    }

    guard case .failure(SuspendResumeError.timedOut) = result else { return XCTFail("unexpected: \(result)") }
    let counter = try metrics.expectCounter(Names.operations, [("operation", "suspend"), ("outcome", "timedOut")])
    XCTAssertEqual(counter.totalValue, 1)
    XCTAssertTrue(metrics.timers(label: Names.suspendDuration).isEmpty, "no duration for a suspend that failed")
    XCTAssertTrue(metrics.meters(label: Names.suspendedDomains).allSatisfy { ($0.lastValue ?? 0) == 0 })
  }

  func testRefusalsAndResumesOfRunningDomainsAreCountedByKind() async throws {
    let metrics = TestMetrics()
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let controller = SuspendController(host: host, metricsFactory: metrics)

    await assertThrowsSuspendError({ _ = try await controller.suspend(.dom0) }) { _ in true }
    await assertThrowsSuspendError({ try await controller.resume(domain) }) { _ in true }

    XCTAssertEqual(
      try metrics.expectCounter(Names.operations, [("operation", "suspend"), ("outcome", "refused")]).totalValue, 1)
    XCTAssertEqual(
      try metrics.expectCounter(Names.operations, [("operation", "resume"), ("outcome", "notSuspended")]).totalValue,
      1)
  }

  func testACheckpointRecordsItsPauseAndItsOwnOutcome() async throws {
    let metrics = TestMetrics()
    let clock = TestClock<Duration>()
    let host = SimulatedXenHost()
    let domain = host.createDomain(.hvm())
    let controller = SuspendController(host: host, clock: clock, metricsFactory: metrics)

    // The body runs while the guest is paused: the time it takes is part of the pause.
    let suspended = try await controller.checkpoint(domain, timeout: .seconds(5)) { suspended in
      await clock.advance(by: .milliseconds(7))
      return suspended
    }

    let pause = try metrics.expectTimer(
      Names.checkpointPauseDuration, [("path", "hypervisorShutdown"), ("guest_type", "hvm")])
    XCTAssertEqual(pause.values, [nanoseconds(.milliseconds(7))])
    XCTAssertEqual(suspended.path, .hypervisorShutdown)
    XCTAssertEqual(
      try metrics.expectCounter(Names.operations, [("operation", "checkpoint"), ("outcome", "ok")]).totalValue, 1)
    XCTAssertEqual(
      try metrics.expectCounter(Names.operations, [("operation", "suspend"), ("outcome", "ok")]).totalValue, 1)

    struct BodyFailed: Error {}
    do {
      try await controller.checkpoint(domain) { _ in throw BodyFailed() }
      XCTFail("the body's error is rethrown")
    } catch is BodyFailed {}
    XCTAssertEqual(
      try metrics.expectCounter(Names.operations, [("operation", "checkpoint"), ("outcome", "other")]).totalValue, 1)
    XCTAssertEqual(pause.values.count, 2, "the guest was paused and came back: its pause counts")
  }

  func testOutcomesFollowTheErrorKinds() {
    XCTAssertEqual(Names.Outcome(nil), .ok)
    XCTAssertEqual(Names.Outcome(CancellationError()), .cancelled)
    XCTAssertEqual(Names.Outcome(SuspendResumeError.domainNotFound(4)), .domainNotFound)
    XCTAssertEqual(Names.Outcome(SuspendResumeError.alreadyInProgress(4, byAnotherProcess: true)), .alreadyInProgress)
    XCTAssertEqual(
      Names.Outcome(
        SuspendResumeError.hostCall(XenCallError(.write, domain: 4, errno: .ioError), state: nil, undone: nil)),
      .hostCall)
  }

  private func nanoseconds(_ duration: Duration) -> Int64 {
    duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
  }
}
