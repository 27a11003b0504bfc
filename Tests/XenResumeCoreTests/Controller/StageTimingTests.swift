import Clocks
import Synchronization
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// The stages a suspend and a resume report: the right ones for the path and mode, in order, adding up exactly to
/// the operation's duration, and each holding the time that really passed in it.
final class StageTimingTests: XCTestCase {
  func testEveryPathReportsItsSuspendStagesAndEveryFastResumeItsResumeStages() async throws {
    for guestCase in GuestCase.all {
      let host = SimulatedXenHost()
      let domain = host.createDomain(guestCase.guest)
      let controller = SuspendController(host: host)

      let suspended = try await controller.suspend(domain, timeout: .seconds(5))
      let expectedSuspend: [StageTiming.Stage] =
        switch guestCase.expectedPath {
        case .xenstoreControl: [.planned, .requestWritten, .acknowledged, .suspended]
        case .eventChannel, .hypervisorShutdown: [.planned, .requestSent, .suspended]
        }
      XCTAssertEqual(suspended.stages.map(\.stage), expectedSuspend, "\(guestCase)")
      XCTAssertEqual(total(suspended.stages), suspended.duration, "\(guestCase)")
      for timing in suspended.stages {
        XCTAssertEqual(suspended.duration(of: timing.stage), timing.duration, "\(guestCase)")
      }

      let resumed = try await controller.resume(domain, mode: .fast)
      XCTAssertEqual(resumed.domain, domain)
      XCTAssertEqual(resumed.mode, .fast)
      XCTAssertEqual(resumed.guestType, guestCase.expectedType, "\(guestCase)")
      // A guest stopped by xc_domain_shutdown is not in its suspend hypercall: no register is written.
      let expectedResume: [StageTiming.Stage] =
        guestCase.expectedPath == .hypervisorShutdown
        ? [.stateChecked, .domainResumed, .xenstoreResumed]
        : [.stateChecked, .returnRegisterSet, .domainResumed, .xenstoreResumed]
      XCTAssertEqual(resumed.stages.map(\.stage), expectedResume, "\(guestCase)")
      XCTAssertEqual(total(resumed.stages), resumed.duration, "\(guestCase)")
      XCTAssertNil(resumed.duration(of: .startInfoRewritten))
      assertRunning(host, domain)
    }
  }

  func testSlowAndUncooperativeResumesReportTheirStages() async throws {
    let cases: [(SimulatedGuest, ResumeMode, [StageTiming.Stage])] = [
      (
        .pv(vcpus: 2), .slow,
        [.stateChecked, .startInfoRewritten, .secondaryVCPUsReset, .domainResumed, .xenstoreResumed]
      ),
      (.pv(vcpus: 1), .slow, [.stateChecked, .startInfoRewritten, .domainResumed, .xenstoreResumed]),
      (.pvhvm(vcpus: 2), .slow, [.stateChecked, .softReset, .channelsRebuilt, .domainResumed, .xenstoreResumed]),
      (.pvh(vcpus: 2), .slow, [.stateChecked, .softReset, .channelsRebuilt, .domainResumed, .xenstoreResumed]),
      (.hvm(vcpus: 2), .slow, [.stateChecked, .domainResumed, .xenstoreResumed]),
      (.hvm(vcpus: 2), .uncooperative, [.stateChecked, .domainResumed, .xenstoreResumed]),
    ]
    for (guest, mode, expected) in cases {
      let host = SimulatedXenHost()
      let domain = host.createDomain(guest)
      let controller = SuspendController(host: host)
      _ = try await controller.suspend(domain, timeout: .seconds(5))

      let resumed = try await controller.resume(domain, mode: mode, options: .confirmSlowResumeOfPVAwareGuest)

      XCTAssertEqual(resumed.stages.map(\.stage), expected, "\(guest) \(mode)")
      XCTAssertEqual(total(resumed.stages), resumed.duration, "\(guest) \(mode)")
      XCTAssertEqual(resumed.mode, mode)
    }
  }

  func testAResumeOfADomainSuspendedByAnotherControllerReportsItsStages() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let suspending = SuspendController(host: host)
    _ = try await suspending.suspend(domain, timeout: .seconds(5))
    suspending.forget(domain)

    let resumed = try await SuspendController(host: host).resume(domain)

    XCTAssertEqual(resumed.stages.map(\.stage), [.stateChecked, .returnRegisterSet, .domainResumed, .xenstoreResumed])
    XCTAssertEqual(total(resumed.stages), resumed.duration)
  }

  func testTimeThatPassesWhileTheGuestAcknowledgesShowsUpInAcknowledged() async throws {
    let clock = TestClock<Duration>()
    let host = SimulatedXenHost(
      clock: clock, reactionDelays: GuestReactionDelays(acknowledgement: .seconds(2), suspension: .seconds(3)))
    let domain = host.createDomain(.pv())
    let calls = HostCallCounter(observing: host, recording: true)
    let controller = SuspendController(host: host, clock: clock)

    let suspend = Task { try await controller.suspend(domain, timeout: .seconds(60)) }
    // The clock only moves when the test moves it, so each stage holds exactly the time advanced while it ran.
    let written = await eventually { (try? controlNode(host, domain)) == "suspend" }
    XCTAssertTrue(written)
    await clock.advance(by: .seconds(2))
    // The controller reads the node after each event, marks the acknowledgement once a read shows it, then reads
    // the domain's state for the suspension stage: once a read of the node is followed by that, the mark was taken
    // at 2 s (until the guest answers, every read of the node is followed by another wait, not a state read).
    let acknowledgementSeen = await eventually {
      let operations = calls.recordedOperations
      guard let read = operations.lastIndex(of: .read) else { return false }
      return operations[read...].contains(.domainInfo)
    }
    XCTAssertTrue(acknowledgementSeen)
    await clock.advance(by: .seconds(3))
    let suspended = try await suspend.value

    XCTAssertEqual(
      suspended.stages,
      [
        StageTiming(stage: .planned, duration: .zero),
        StageTiming(stage: .requestWritten, duration: .zero),
        StageTiming(stage: .acknowledged, duration: .seconds(2)),
        StageTiming(stage: .suspended, duration: .seconds(3)),
      ])
    XCTAssertEqual(suspended.duration, .seconds(5))
  }

  func testEveryPathStartsWithPlannedHoldingWhatComesBeforeTheRequest() async throws {
    // Each host call moves the clock on by a millisecond, so a stage's duration counts the calls made in it.
    let cases: [(SimulatedGuest, SuspendPath, request: Set<XenHostOperation>, rest: [StageTiming.Stage])] = [
      (.pv(), .xenstoreControl, [.write, .startTransaction], [.requestWritten, .acknowledged, .suspended]),
      (
        .pv(suspendEventChannel: true), .eventChannel, [.bindInterdomainEventChannel, .notify],
        [.requestSent, .suspended]
      ),
      (.hvm(vcpus: 2), .hypervisorShutdown, [.shutdownDomain], [.requestSent, .suspended]),
    ]
    for (guest, path, request, rest) in cases {
      let host = SimulatedXenHost()
      let domain = host.createDomain(guest)
      let clock = CallStepClock()
      let controller = SuspendController(host: host, clock: clock)
      // Learns the toolstack's domain, which a suspend reads before its start.
      _ = try await controller.suspendPlan(for: domain)
      host.callObservers.add(clock)

      let suspended = try await controller.suspend(domain, timeout: .seconds(60), path: path)

      XCTAssertEqual(suspended.path, path)
      XCTAssertEqual(suspended.stages.map(\.stage), [.planned] + rest, "\(path)")
      XCTAssertEqual(total(suspended.stages), suspended.duration, "\(path)")
      // The calls in `planned` read the domain's state and ask nothing of the guest; the first one after it is
      // the request.
      let operations = clock.operations
      let planned = try XCTUnwrap(suspended.duration(of: .planned))
      let callsPlanned = Int(planned / .milliseconds(1))
      XCTAssertGreaterThan(callsPlanned, 0, "\(path)")
      XCTAssertLessThan(callsPlanned, operations.count, "\(path)")
      guard callsPlanned > 0, callsPlanned < operations.count else { continue }
      XCTAssertTrue(operations[..<callsPlanned].contains(.domainInfo), "\(path): \(operations)")
      XCTAssertTrue(request.isDisjoint(with: operations[..<callsPlanned]), "\(path): \(operations)")
      XCTAssertTrue(request.contains(operations[callsPlanned]), "\(path): \(operations)")
      let requestStage = try XCTUnwrap(suspended.duration(of: rest[0]))
      XCTAssertGreaterThan(requestStage, .zero, "\(path)")
    }
  }

  func testTheInitWithoutStagesStaysAndOrdersGivenStages() {
    let plain = SuspendedDomain(domain: 3, guestType: .pv, path: .eventChannel, duration: .milliseconds(1))
    XCTAssertEqual(plain.stages, [])
    let given = SuspendedDomain(
      domain: 3, guestType: .pv, path: .eventChannel, duration: .milliseconds(3),
      stages: [
        StageTiming(stage: .suspended, duration: .milliseconds(2)),
        StageTiming(stage: .requestSent, duration: .milliseconds(1)),
      ])
    XCTAssertEqual(given.stages.map(\.stage), [.requestSent, .suspended])
    XCTAssertNotEqual(plain, given)
    XCTAssertEqual(StageTiming.Stage.requestWritten.rawValue, "requestWritten")
    XCTAssertEqual(StageTiming.Stage.returnRegisterSet.description, "return register set")
  }

  func testMoreStagesThanAnOperationPassesAreKeptToo() {
    // A suspend or resume passes at most five stages (a suspend four), held inline; a rewind passes six, and a
    // caller may give all of them.
    let all = StageTiming.Stage.allCases.enumerated().map { StageTiming(stage: $1, duration: .milliseconds($0)) }
    let resumed = ResumedDomain(
      domain: 3, guestType: .pv, mode: .fast, duration: .milliseconds(55), stages: all.reversed())
    XCTAssertEqual(resumed.stages, all)
    XCTAssertEqual(resumed.duration(of: .xenstoreResumed), .milliseconds(all.count - 1))
    XCTAssertEqual(
      resumed, ResumedDomain(domain: 3, guestType: .pv, mode: .fast, duration: .milliseconds(55), stages: all))
  }

  private func total(_ stages: [StageTiming]) -> Duration {
    stages.reduce(.zero) { $0 + $1.duration }
  }
}

/// A clock that moves on by a millisecond at the end of each host call it observes (but the shared
/// `@releaseDomain` pump's reads, which run concurrently), and records those calls in order.
private final class CallStepClock: Clock, HostCallObserver {
  struct Instant: InstantProtocol {
    var offset: Duration
    func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
    func duration(to other: Instant) -> Duration { other.offset - offset }
    static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
  }

  private let state = Mutex((now: Instant(offset: .zero), operations: [XenHostOperation]()))

  var now: Instant { state.withLock { $0.now } }
  var minimumResolution: Duration { .nanoseconds(1) }
  /// The calls observed, in order.
  var operations: [XenHostOperation] { state.withLock { $0.operations } }

  func sleep(until deadline: Instant, tolerance: Duration?) async throws {
    while now < deadline { try await Task.sleep(for: .milliseconds(5)) }
  }

  func hostDidCall(_ operation: XenHostOperation, domain: DomainID?, failure: (any Error)?) {
    guard operation != .nextWatchEvent else { return }
    state.withLock { state in
      state.now = state.now.advanced(by: .milliseconds(1))
      state.operations.append(operation)
    }
  }
}
