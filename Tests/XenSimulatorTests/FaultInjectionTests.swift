import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

final class FaultInjectionTests: XCTestCase {
  func testTheNthCallFailsOnceWithTheInjectedErrno() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    host.injectFault(.domainInfo, onCall: 2, errno: .ioError)
    XCTAssertEqual(host.pendingFaultCount, 1)
    XCTAssertNoThrow(try host.domainInfo(domain))
    let error = assertXenError(.ioError, try host.domainInfo(domain))
    XCTAssertEqual(error?.call, XenHostOperation.domainInfo.rawValue)
    XCTAssertEqual(error?.domain, domain)
    XCTAssertNoThrow(try host.domainInfo(domain))
    XCTAssertEqual(host.pendingFaultCount, 0)
  }

  func testAFaultForOneDomainCountsOnlyCallsAboutIt() throws {
    let host = SimulatedXenHost()
    let first = host.createDomain(.pv())
    let second = host.createDomain(.pv())
    host.injectFault(.resumeDomain, errno: .notPermitted, domain: second)
    XCTAssertNoThrow(try host.resumeDomain(first))
    assertXenError(.notPermitted, try host.resumeDomain(second))
    XCTAssertNoThrow(try host.resumeDomain(second))
  }

  func testAnInjectedFailureHasNoEffect() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    host.injectFault(.write, errno: .resourceTemporarilyUnavailable)
    assertXenError(.resourceTemporarilyUnavailable, try HandDrivenToolstack(host: host).requestSuspend(domain))
    XCTAssertEqual(try host.read(XenStorePath.controlShutdown(of: domain)), "")
    XCTAssertFalse(try host.domainInfo(domain).isShutdown)
    XCTAssertEqual(host.observations(of: domain).suspendRequestsSeen, 0)
  }

  func testFaultsInAMiddleStepOfAResumeLeaveTheGuestSuspended() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let toolstack = HandDrivenToolstack(host: host)
    try toolstack.requestSuspend(domain)
    host.injectFault(.setVCPUContext, errno: .resourceBusy)
    assertXenError(.resourceBusy, try toolstack.fastResume(domain))
    XCTAssertTrue(try host.domainInfo(domain).isSuspended)
    try toolstack.fastResume(domain)
    XCTAssertTrue(host.observations(of: domain).isHealthy)
  }

  func testAsyncWaitsCanFailToo() async throws {
    let host = SimulatedXenHost()
    let watch = try host.watch("/local/domain/0/f")
    host.injectFault(.nextWatchEvent, errno: .ioError)
    do {
      _ = try await host.nextWatchEvent(watch)
      XCTFail("the injected fault must fail the wait")
    } catch let error as XenCallError {
      XCTAssertEqual(error.errno, .ioError)
    }
    let event = try await host.nextWatchEvent(watch)
    XCTAssertEqual(event, "/local/domain/0/f", "the fault consumed no event")
  }

  func testSeveralFaultsCanBePendingAndCanBeRemoved() throws {
    let host = SimulatedXenHost()
    host.injectFault(.hostWidth, onCall: 1, errno: .ioError)
    host.injectFault(.hostWidth, onCall: 1, errno: .invalidArgument)
    assertXenError(.ioError, try host.hostWidth())
    assertXenError(.invalidArgument, try host.hostWidth(), "the second fault's turn had come too")
    XCTAssertNoThrow(try host.hostWidth())
    host.injectFault(.hostWidth, onCall: 3, errno: .ioError)
    host.removeAllFaults()
    for _ in 0..<3 { XCTAssertNoThrow(try host.hostWidth()) }
  }
}
