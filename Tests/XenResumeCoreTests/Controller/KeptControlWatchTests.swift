import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// The watch on `control/shutdown` a session keeps between suspends: registered once, never left behind.
final class KeptControlWatchTests: XCTestCase {
  private func controlWatchRegistrations(_ host: SimulatedXenHost, _ domain: DomainID) -> Int {
    host.trace.filter { $0.arguments == .watchPath(XenStorePath.controlShutdown(of: domain)) }.count
  }

  func testACheckpointLoopRegistersTheControlWatchOnceAndForgetRemovesIt() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let controller = SuspendController(host: host)
    for _ in 0..<5 {
      try await controller.checkpoint(domain, timeout: .seconds(60)) { _ in }
    }
    XCTAssertEqual(controlWatchRegistrations(host, domain), 1, "one registration for five suspends")
    XCTAssertEqual(host.watchCount, 2, "the shared @releaseDomain watch and the control node watch")
    controller.forget(domain)
    XCTAssertEqual(host.watchCount, 1, "forget removed the control node watch; the shared one stays")
    assertHealthy(host, domain)
  }

  func testANewDomainUnderTheIdGetsItsOwnWatchAndTheOldOneIsRemoved() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let controller = SuspendController(host: host)
    try await controller.checkpoint(domain, timeout: .seconds(60)) { _ in }
    try host.destroyDomain(domain)
    let reused = try host.createDomain(.pv(), reusing: domain)
    try await controller.checkpoint(reused, timeout: .seconds(60)) { _ in }
    XCTAssertEqual(controlWatchRegistrations(host, domain), 2, "the new domain's session registered its own")
    XCTAssertEqual(host.watchCount, 2, "the old domain's watch was removed with its session")
    assertHealthy(host, reused)
  }
}
