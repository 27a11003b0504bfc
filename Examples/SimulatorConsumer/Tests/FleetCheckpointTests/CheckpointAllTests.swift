import FleetCheckpoint
import XCTest
import XenSimulator

/// `checkpointAll` against a simulated host: Xen's answers and what each guest itself went through.
final class CheckpointAllTests: XCTestCase {
  func testEveryGuestIsSuspendedDuringItsWorkAndRunningAgainAfterwards() async throws {
    let host = SimulatedXenHost()
    let pv = host.createDomain(.pv(width: .bits64, vcpus: 2))
    let hvm = host.createDomain(.hvm())
    let controller = SuspendController(host: host)

    for round in 1...3 {
      var suspendedDuringWork: [DomainID: GuestPhase] = [:]
      let report = await checkpointAll([pv, hvm], with: controller) { suspended in
        XCTAssertEqual(DomainState(try host.domainInfo(suspended.domain)), .shutDown(.suspend))
        suspendedDuringWork[suspended.domain] = host.observations(of: suspended.domain).phase
      }

      XCTAssertTrue(report.failed.isEmpty, "round \(round): \(report.failed)")
      XCTAssertEqual(report.checkpointed, [pv: .xenstoreControl, hvm: .hypervisorShutdown])
      // The PV guest suspended itself when asked; the HVM guest, without PV drivers, was stopped by Xen.
      XCTAssertEqual(suspendedDuringWork, [pv: .suspended, hvm: .stoppedByForce])
      // A fast resume: the PV guest saw its suspend cancelled, the HVM guest never noticed it had been stopped.
      XCTAssertEqual(host.observations(of: pv).resumesCancelled, round)
      XCTAssertEqual(host.observations(of: pv).resumesAsNewDomain, 0)
      XCTAssertEqual(host.observations(of: hvm).resumesUnnoticed, round)
      for domain in [pv, hvm] { assertRunningAndHealthy(host, domain) }
    }
  }

  func testAGuestThatIgnoresTheRequestIsReportedAndTheOthersAreStillCheckpointed() async throws {
    let host = SimulatedXenHost()
    let stuck = host.createDomain(.pv(behaviour: .ignoresSuspendRequest))
    let pvhvm = host.createDomain(.pvhvm())
    let controller = SuspendController(host: host)

    let report = await checkpointAll([stuck, pvhvm], with: controller, timeout: .milliseconds(200))

    guard case SuspendResumeError.timedOut(stuck, .acknowledgement, _, .running)? = report.failed[stuck] else {
      return XCTFail("unexpected outcome for the stuck guest: \(String(describing: report.failed[stuck]))")
    }
    XCTAssertEqual(host.observations(of: stuck).suspendRequestsSeen, 1)
    XCTAssertEqual(host.observations(of: stuck).suspendsCompleted, 0)
    XCTAssertEqual(report.checkpointed, [pvhvm: .xenstoreControl])
    XCTAssertEqual(host.observations(of: pvhvm).resumesCancelled, 1)
    for domain in [stuck, pvhvm] { assertRunningAndHealthy(host, domain) }
  }

  func testAGuestIsResumedWhenTheWorkOnItFails() async throws {
    struct CopyFailed: Error {}
    let host = SimulatedXenHost()
    let pvh = host.createDomain(.pvh())
    let controller = SuspendController(host: host)

    let report = await checkpointAll([pvh], with: controller) { _ in throw CopyFailed() }

    XCTAssertTrue(report.failed[pvh] is CopyFailed, "\(String(describing: report.failed[pvh]))")
    XCTAssertTrue(report.checkpointed.isEmpty)
    XCTAssertEqual(host.observations(of: pvh).resumesCancelled, 1)
    assertRunningAndHealthy(host, pvh)
  }

  private func assertRunningAndHealthy(
    _ host: SimulatedXenHost, _ domain: DomainID, file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertEqual(try DomainState(host.domainInfo(domain)), .running, "domain \(domain)", file: file, line: line)
    let observed = host.observations(of: domain)
    XCTAssertEqual(observed.phase, .running, "domain \(domain)", file: file, line: line)
    XCTAssertTrue(observed.isHealthy, "domain \(domain): \(observed.failure ?? "")", file: file, line: line)
  }
}
