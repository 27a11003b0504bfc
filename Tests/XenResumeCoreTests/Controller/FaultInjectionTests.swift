import SystemPackage
import XCTest
import XenSimulator

@testable import XenResumeCore

/// Property: whichever host call of a cycle fails, the error names that call, and the domain ends either running,
/// cleanly suspended, or (after a soft reset) held paused with its rebuild unfinished — never corrupted, never
/// running half rebuilt — and a suspended or held one can still be resumed.
final class FaultInjectionTests: XCTestCase {
  private struct Cell: Sendable {
    let guest: SimulatedGuest
    let mode: ResumeMode
  }

  private let cells: [Cell] = [
    Cell(guest: .pv(width: .bits64, vcpus: 2), mode: .fast),
    Cell(guest: .pv(width: .bits32, vcpus: 2, suspendEventChannel: true), mode: .fast),
    Cell(guest: .pvhvm(vcpus: 2), mode: .fast),
    Cell(guest: .pvhvm(suspendEventChannel: true), mode: .fast),
    Cell(guest: .hvm(vcpus: 2), mode: .fast),
    Cell(guest: .pvh(), mode: .fast),
    Cell(guest: .pv(width: .bits64, vcpus: 3), mode: .slow),
    Cell(guest: .pv(width: .bits32, vcpus: 2), mode: .slow),
    Cell(guest: .pvhvm(vcpus: 2), mode: .slow),
    Cell(guest: .pvh(vcpus: 2), mode: .slow),
    Cell(guest: .hvm(), mode: .slow),
  ]

  /// The operations a clean run of the cell makes, each with how often it was called.
  private func cleanRun(_ cell: Cell) async throws -> [(XenHostOperation, Int)] {
    let simulator = SimulatedXenHost()
    let domain = simulator.createDomain(cell.guest)
    let calls = HostCallCounter(observing: simulator, recording: true)
    let controller = SuspendController(host: simulator)
    try await runCycle(controller, domain, cell.mode)
    // Read before the controller goes away: its teardown (unbind, unwatch, unlock) is not part of the cycle.
    let recorded = calls.recordedOperations
    withExtendedLifetime(controller) {}
    var seen: [XenHostOperation: Int] = [:]
    var occurrences: [(XenHostOperation, Int)] = []
    for operation in recorded where operation != .nextWatchEvent {
      seen[operation, default: 0] += 1
      occurrences.append((operation, seen[operation]!))
    }
    return occurrences
  }

  private func runCycle(_ controller: SuspendController, _ domain: DomainID, _ mode: ResumeMode) async throws {
    _ = try await controller.suspend(domain, timeout: .seconds(5))
    try await controller.resume(domain, mode: mode, options: .confirmSlowResumeOfPVAwareGuest)
  }

  private func controllerRequiresSlowResume(_ controller: SuspendController, _ domain: DomainID) -> Bool {
    controller.state.withLock { $0.sessions[domain]?.secondaryVCPUsReset ?? false }
  }

  func testEveryFailingCallIsNamedAndLeavesTheGuestRecoverable() async throws {
    for cell in cells {
      let occurrences = try await cleanRun(cell)
      XCTAssertFalse(occurrences.isEmpty)
      for (operation, occurrence) in occurrences {
        let simulator = SimulatedXenHost()
        let domain = simulator.createDomain(cell.guest)
        simulator.injectFault(operation, onCall: occurrence, errno: .ioError)
        let controller = SuspendController(host: simulator)
        let context = "\(cell.guest) \(cell.mode): \(operation.rawValue) call \(occurrence)"

        do {
          try await runCycle(controller, domain, cell.mode)
          XCTFail("\(context): the cycle succeeded although a call failed")
        } catch let error as SuspendResumeError {
          let call: XenCallError
          switch error {
          case .hostCall(let failed, _, _):
            call = failed
          case .rebuildIncomplete(let failedDomain, let failed, _):
            XCTAssertEqual(failedDomain, domain, context)
            call = failed
          default:
            XCTFail("\(context): unexpected error \(error)")
            continue
          }
          XCTAssertEqual(call.call, operation.rawValue, context)
          XCTAssertEqual(call.errno, .ioError, context)
        }

        assertHealthy(simulator, domain)
        let state = DomainState(try simulator.domainInfo(domain))
        if state == .paused {
          // Soft reset, rebuild unfinished: the guest has not run, and only a slow resume brings it back.
          XCTAssertEqual(simulator.observations(of: domain).phase, .suspended, "\(context): the guest ran")
          try await controller.resume(domain, mode: .slow)
          assertRunning(simulator, domain)
          assertHealthy(simulator, domain)
          continue
        }
        XCTAssertTrue(state == .running || state.isSuspended, "\(context): left \(state)")
        if state.isSuspended {
          // A slow resume that had already reset secondary vcpus can only be completed slow; the controller
          // refuses a fast one instead of waking the guest with vcpus down.
          let mode: ResumeMode = controllerRequiresSlowResume(controller, domain) ? .slow : .fast
          try await controller.resume(domain, mode: mode, options: .confirmSlowResumeOfPVAwareGuest)
          assertRunning(simulator, domain)
          assertHealthy(simulator, domain)
        }
      }
    }
  }
}
