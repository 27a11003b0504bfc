import XCTest
import XenResumeCore
import XenSimulator

/// Many domains at once on one controller: no interference, every guest checkpointed exactly as often as asked.
final class ControllerConcurrencyTests: XCTestCase {
  func testTwoHundredDomainsCheckpointInParallel() async throws {
    let host = SimulatedXenHost()
    let guests: [SimulatedGuest] = [
      .pv(), .pv(width: .bits32, suspendEventChannel: true), .pvhvm(), .pvhvm(suspendEventChannel: true), .hvm(),
      .pvh(),
    ]
    let domains = (0..<240).map { host.createDomain(guests[$0 % guests.count]) }
    let controller = SuspendController(host: host)
    try await withThrowingTaskGroup(of: Void.self) { group in
      for domain in domains {
        group.addTask {
          for _ in 0..<3 { _ = try await controller.checkpoint(domain, timeout: .seconds(30)) { _ in } }
        }
      }
      try await group.waitForAll()
    }
    for domain in domains {
      assertRunning(host, domain)
      assertHealthy(host, domain)
      let observed = host.observations(of: domain)
      XCTAssertEqual(observed.resumesCancelled + observed.resumesUnnoticed, 3, "\(domain)")
    }
  }
}
