import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

final class XenStoreWatchTests: XCTestCase {
  func testANewWatchFiresOnceWithItsOwnPath() async throws {
    let host = SimulatedXenHost()
    let watch = try host.watch("/local/domain/0/nothing")
    XCTAssertEqual(host.queuedEventCount(of: watch), 1)
    let event = try await host.nextWatchEvent(watch)
    XCTAssertEqual(event, "/local/domain/0/nothing")
    XCTAssertEqual(host.queuedEventCount(of: watch), 0)
  }

  func testAWatchFiresForChangesAtOrBelowItsPathAndNamesTheChangedNode() async throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pv(behaviour: .ignoresSuspendRequest))
    let control = XenStorePath.home(of: domain) + "/control"
    let watch = try await toolstack.watch(control)
    try host.write(XenStorePath.home(of: domain) + "/name", value: "elsewhere")
    try host.write(control + "r", value: "a sibling with a longer name")
    XCTAssertEqual(host.queuedEventCount(of: watch), 0)
    try host.write(XenStorePath.controlShutdown(of: domain), value: "suspend")
    let event = try await host.nextWatchEvent(watch)
    XCTAssertEqual(event, XenStorePath.controlShutdown(of: domain))
    try host.write(control, value: "")
    let own = try await host.nextWatchEvent(watch)
    XCTAssertEqual(own, control)
  }

  func testRemovingANodeFiresWatchesOnItsChildren() async throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    try host.write("/local/domain/0/tree/leaf", value: "1")
    let watch = try await toolstack.watch("/local/domain/0/tree/leaf")
    try host.remove("/local/domain/0/tree")
    let event = try await host.nextWatchEvent(watch)
    XCTAssertEqual(event, "/local/domain/0/tree/leaf")
  }

  func testReleaseDomainFiresOncePerShutdownAndOnlyXSResumeRearmsIt() async throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pv())
    let release = try await toolstack.watch(XenStorePath.releaseDomain)

    try toolstack.requestSuspend(domain)
    XCTAssertEqual(host.queuedEventCount(of: release), 1)
    let event = try await host.nextWatchEvent(release)
    XCTAssertEqual(event, XenStorePath.releaseDomain)
    try toolstack.fastResume(domain)
    try toolstack.finishResume(domain)

    try toolstack.requestSuspend(domain)
    XCTAssertEqual(host.queuedEventCount(of: release), 1, "re-armed by XS_RESUME")
    _ = try await host.nextWatchEvent(release)
    try toolstack.fastResume(domain)

    try toolstack.requestSuspend(domain)
    XCTAssertTrue(try host.domainInfo(domain).isSuspended)
    XCTAssertEqual(host.queuedEventCount(of: release), 0, "no XS_RESUME after the last resume: the latch holds")
  }

  func testXSResumeWhileStillShutDownLetsTheNextScanNoticeTheDomainAgain() async throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pv())
    let other = host.createDomain(.pv())
    let release = try await toolstack.watch(XenStorePath.releaseDomain)
    try toolstack.requestSuspend(domain)
    _ = try await host.nextWatchEvent(release)
    try host.resumeDomainInXenStore(domain)
    XCTAssertEqual(host.queuedEventCount(of: release), 0, "xenstored only looks again on VIRQ_DOM_EXC")
    try host.shutdownDomain(other, reason: .poweroff)
    XCTAssertEqual(host.queuedEventCount(of: release), 1, "one event for both domains")
  }

  func testReleaseDomainFiresWhenADomainIsDestroyedEvenIfLatched() async throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pv())
    let release = try await toolstack.watch(XenStorePath.releaseDomain)
    try toolstack.requestSuspend(domain)
    _ = try await host.nextWatchEvent(release)
    try host.destroyDomain(domain)
    XCTAssertEqual(host.queuedEventCount(of: release), 1)
  }

  func testIntroduceDomainFiresForANewDomain() async throws {
    let host = SimulatedXenHost()
    let introduce = try await HandDrivenToolstack(host: host).watch("@introduceDomain")
    host.createDomain(.hvm())
    XCTAssertEqual(host.queuedEventCount(of: introduce), 1)
  }

  func testAWaitingTaskGetsTheNextEvent() async throws {
    let host = SimulatedXenHost()
    let watch = try await HandDrivenToolstack(host: host).watch("/local/domain/0/later")
    let waiter = Task { try await host.nextWatchEvent(watch) }
    let parked = await eventually { host.waitingTaskCount == 1 }
    XCTAssertTrue(parked)
    try host.write("/local/domain/0/later", value: "now")
    let event = try await waiter.value
    XCTAssertEqual(event, "/local/domain/0/later")
    XCTAssertEqual(host.waitingTaskCount, 0)
  }

  func testCancellingAWaitThrowsCancellationErrorAndTheWatchStaysUsable() async throws {
    let host = SimulatedXenHost()
    let watch = try await HandDrivenToolstack(host: host).watch("/local/domain/0/cancel")
    let waiter = Task { try await host.nextWatchEvent(watch) }
    let parked = await eventually { host.waitingTaskCount == 1 }
    XCTAssertTrue(parked)
    waiter.cancel()
    do {
      _ = try await waiter.value
      XCTFail("a cancelled wait must throw")
    } catch {
      XCTAssertTrue(error is CancellationError, "\(error)")
    }
    XCTAssertEqual(host.waitingTaskCount, 0)
    try host.write("/local/domain/0/cancel", value: "1")
    let event = try await host.nextWatchEvent(watch)
    XCTAssertEqual(event, "/local/domain/0/cancel")
    XCTAssertEqual(host.trace.filter { $0.operation == .nextWatchEvent && $0.outcome == .cancelled }.count, 1)
  }

  func testAWaitInAnAlreadyCancelledTaskThrowsWithoutConsumingAnEvent() async throws {
    let host = SimulatedXenHost()
    let watch = try host.watch("/local/domain/0/kept")
    let waiter = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      return try await host.nextWatchEvent(watch)
    }
    do {
      _ = try await waiter.value
      XCTFail("a cancelled wait must throw")
    } catch {
      XCTAssertTrue(error is CancellationError, "\(error)")
    }
    XCTAssertEqual(host.queuedEventCount(of: watch), 1)
  }

  func testUnwatchFailsWaitingTasksAndUnknownWatchesAreENOENT() async throws {
    let host = SimulatedXenHost()
    let watch = try await HandDrivenToolstack(host: host).watch("/local/domain/0/gone")
    let waiter = Task { try await host.nextWatchEvent(watch) }
    let parked = await eventually { host.waitingTaskCount == 1 }
    XCTAssertTrue(parked)
    try host.unwatch(watch)
    do {
      _ = try await waiter.value
      XCTFail("waiting on a removed watch must fail")
    } catch let error as XenCallError {
      XCTAssertEqual(error.errno, .noSuchFileOrDirectory)
    }
    assertXenError(.noSuchFileOrDirectory, try host.unwatch(watch))
    do {
      _ = try await host.nextWatchEvent(watch)
      XCTFail("an unknown watch must fail")
    } catch let error as XenCallError {
      XCTAssertEqual(error.errno, .noSuchFileOrDirectory)
    }
    XCTAssertEqual(host.watchCount, 0)
  }

  func testWatchingAnUnknownSpecialPathOrAnInvalidPathIsEINVAL() {
    let host = SimulatedXenHost()
    assertXenError(.invalidArgument, try host.watch("@nonsense"))
    assertXenError(.invalidArgument, try host.watch("/a//b"))
  }

  func testXSResumeIsEINVALForDomainZeroAndENOENTForAnUnknownDomain() {
    let host = SimulatedXenHost()
    assertXenError(.invalidArgument, try host.resumeDomainInXenStore(.dom0))
    assertXenError(.noSuchFileOrDirectory, try host.resumeDomainInXenStore(5))
  }

  func testEventsForAnUnreadWatchStayBounded() throws {
    let host = SimulatedXenHost()
    let watch = try host.watch("/local/domain/0/busy")
    for index in 0..<10_000 {
      try host.write("/local/domain/0/busy", value: String(index))
    }
    XCTAssertEqual(host.queuedEventCount(of: watch), 4096)
  }
}
