import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

final class ConcurrencyTests: XCTestCase {
  func testConcurrentCyclesOnDifferentDomainsStayConsistent() async throws {
    let host = SimulatedXenHost()
    let guests: [SimulatedGuest] = [.pv(), .pv(width: .bits32, vcpus: 2), .pvhvm(vcpus: 2), .pvh()]
    let domains = (0..<16).map { host.createDomain(guests[$0 % guests.count]) }
    let cycles = 200
    try await withThrowingTaskGroup(of: Void.self) { group in
      for domain in domains {
        group.addTask {
          let toolstack = HandDrivenToolstack(host: host)
          for _ in 0..<cycles { try toolstack.fastCycle(domain) }
        }
      }
      group.addTask {
        for _ in 0..<cycles {
          for domain in domains { _ = try host.domainInfo(domain) }
        }
      }
      try await group.waitForAll()
    }
    for domain in domains {
      let guest = host.observations(of: domain)
      XCTAssertEqual(guest.resumesCancelled, cycles)
      XCTAssertEqual(guest.suspendsCompleted, cycles)
      XCTAssertTrue(guest.isHealthy, guest.failure ?? "")
      XCTAssertFalse(try host.domainInfo(domain).isShutdown)
    }
  }

  func testConcurrentWaitersEachGetTheirDomainsReleaseOrChannelEvents() async throws {
    let host = SimulatedXenHost(reactionDelays: GuestReactionDelays(suspension: .milliseconds(5)))
    let domains = (0..<8).map { _ in host.createDomain(.pv(suspendEventChannel: true)) }
    try await withThrowingTaskGroup(of: Void.self) { group in
      for domain in domains {
        group.addTask {
          let remote = EventChannelPort(UInt32(try host.read(XenStorePath.suspendEventChannel(of: domain))!)!)
          try host.acquireSuspendLock(for: domain)
          let local = try host.bindInterdomainEventChannel(to: domain, remotePort: remote)
          _ = try host.consumePendingEvent(on: local)
          try host.subscribeForSuspend(domain, port: remote)
          for _ in 0..<20 {
            try host.notify(local)
            try await host.waitForEvent(on: local)
            XCTAssertTrue(try host.domainInfo(domain).isSuspended)
            try HandDrivenToolstack(host: host).fastResume(domain)
            try host.resumeDomainInXenStore(domain)
          }
          try host.unbind(local)
          try host.releaseSuspendLock(for: domain)
        }
      }
      try await group.waitForAll()
    }
    for domain in domains {
      XCTAssertEqual(host.observations(of: domain).resumesCancelled, 20)
    }
    XCTAssertEqual(host.boundPortCount, 0)
    XCTAssertEqual(host.waitingTaskCount, 0)
  }

  func testCancellationRacingDeliveryNeverLosesOrDuplicatesAnEvent() async throws {
    let host = SimulatedXenHost()
    let watch = try host.watch("/local/domain/0/race")
    _ = try await host.nextWatchEvent(watch)
    var delivered = 0
    for round in 0..<200 {
      let waiter = Task { try await host.nextWatchEvent(watch) }
      try host.write("/local/domain/0/race", value: String(round))
      waiter.cancel()
      if (try? await waiter.value) != nil { delivered += 1 }
    }
    var queued = 0
    while host.queuedEventCount(of: watch) ?? 0 > 0 {
      _ = try await host.nextWatchEvent(watch)
      queued += 1
    }
    XCTAssertEqual(delivered + queued, 200, "every write's event went to exactly one place")
    XCTAssertEqual(host.waitingTaskCount, 0)
  }
}
