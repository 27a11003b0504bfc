import Clocks
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
        case .xenstoreControl: [.requestWritten, .acknowledged, .suspended]
        case .eventChannel, .hypervisorShutdown: [.requestSent, .suspended]
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
      (.pvhvm(vcpus: 2), .slow, [.stateChecked, .domainResumed, .xenstoreResumed]),
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
        StageTiming(stage: .requestWritten, duration: .zero),
        StageTiming(stage: .acknowledged, duration: .seconds(2)),
        StageTiming(stage: .suspended, duration: .seconds(3)),
      ])
    XCTAssertEqual(suspended.duration, .seconds(5))
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
    // No operation passes more than five stages, so they are held inline; a caller may still give all of them.
    let all = StageTiming.Stage.allCases.enumerated().map { StageTiming(stage: $1, duration: .milliseconds($0)) }
    let resumed = ResumedDomain(
      domain: 3, guestType: .pv, mode: .fast, duration: .milliseconds(45), stages: all.reversed())
    XCTAssertEqual(resumed.stages, all)
    XCTAssertEqual(resumed.duration(of: .xenstoreResumed), .milliseconds(9))
    XCTAssertEqual(
      resumed, ResumedDomain(domain: 3, guestType: .pv, mode: .fast, duration: .milliseconds(45), stages: all))
  }

  private func total(_ stages: [StageTiming]) -> Duration {
    stages.reduce(.zero) { $0 + $1.duration }
  }
}
