import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore

@testable import XenSimulator

/// The simulator must carry benchmarks: 10,000 domains, and many cycles without growth.
final class ScaleTests: XCTestCase {
  func testTenThousandDomainsFitAndEachStillWorks() throws {
    let host = SimulatedXenHost()
    host.isTracingEnabled = false
    let guests: [SimulatedGuest] = [.pv(), .pvhvm(), .hvm(), .pvh(), .pv(width: .bits32, suspendEventChannel: true)]
    var last = DomainID.dom0
    for index in 0..<10_000 { last = host.createDomain(guests[index % guests.count]) }
    XCTAssertEqual(host.domainIDs().count, 10_001)
    XCTAssertEqual(last, 10_000)
    let toolstack = HandDrivenToolstack(host: host)
    try toolstack.fastCycle(last)
    try toolstack.requestSuspend(1)
    try toolstack.slowResumePV(1)
    XCTAssertTrue(host.observations(of: last).isHealthy)
    XCTAssertTrue(host.observations(of: 1).isHealthy)
  }

  func testManyCyclesLeaveNothingBehind() async throws {
    let host = SimulatedXenHost()
    host.traceCapacity = 64
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pv(vcpus: 2))
    let release = try await toolstack.watch(XenStorePath.releaseDomain)
    let cycles = 5_000
    for _ in 0..<cycles {
      try toolstack.requestSuspend(domain)
      _ = try await host.nextWatchEvent(release)
      try toolstack.fastResume(domain)
      try toolstack.finishResume(domain)
    }
    XCTAssertEqual(host.observations(of: domain).resumesCancelled, cycles)
    XCTAssertEqual(host.trace.count, 64)
    XCTAssertEqual(host.queuedEventCount(of: release), 0)
    XCTAssertEqual(host.openTransactionCount, 0)
    XCTAssertEqual(host.waitingTaskCount, 0)
    XCTAssertEqual(host.watchCount, 1)
  }

  func testDomainIDsWrapAfterTheLargestGuestIDSkippingThoseInUse() {
    var allocator = DomainIDAllocator()
    var inUse: [DomainID: Bool] = [1: true, 3: true]
    var last = DomainID.dom0
    for _ in 0..<(DomainID.maximumGuestID.rawValue - 2) {
      last = allocator.allocate(avoiding: inUse)!
      XCTAssertNil(inUse[last])
    }
    XCTAssertEqual(last, DomainID.maximumGuestID)
    XCTAssertEqual(allocator.allocate(avoiding: inUse), 2, "wraps to 1, which is in use")
    inUse = Dictionary(uniqueKeysWithValues: (1...DomainID.maximumGuestID.rawValue).map { (DomainID($0), true) })
    XCTAssertNil(allocator.allocate(avoiding: inUse), "every guest id taken")
  }
}
