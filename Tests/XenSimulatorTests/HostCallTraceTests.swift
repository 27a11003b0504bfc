import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

final class HostCallTraceTests: XCTestCase {
  func testTheTraceRecordsOperationDomainArgumentsAndOutcome() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    try HandDrivenToolstack(host: host).requestSuspend(domain)
    _ = try? host.domainInfo(99)
    host.injectFault(.hostWidth, errno: .ioError)
    _ = try? host.hostWidth()

    let trace = host.trace
    XCTAssertEqual(trace.map(\.operation), [.write, .domainInfo, .hostWidth])
    XCTAssertEqual(trace.map(\.sequence), [1, 2, 3])
    let write = trace[0]
    XCTAssertNil(write.domain)
    XCTAssertTrue(write.succeeded)
    XCTAssertEqual(
      write.arguments, .write(XenStorePath.controlShutdown(of: domain), value: "suspend", transaction: .none))
    XCTAssertEqual(write.argumentSummary, "path /local/domain/1/control/shutdown, value \"suspend\"")
    XCTAssertEqual(trace[1].domain, 99)
    XCTAssertEqual(trace[1].errno, .noSuchProcess)
    XCTAssertEqual(trace[2].outcome, .failed(.ioError, injected: true))
    XCTAssertTrue(trace[2].description.hasSuffix("(injected)"), trace[2].description)
  }

  func testResultsAreRecorded() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvhvm(kernel: .linux))
    _ = try host.hvmParameter(.callbackIRQ, of: domain)
    _ = try host.read(XenStorePath.controlShutdown(of: domain))
    XCTAssertEqual(host.trace.map(\.outcome), [.succeeded(.number(1)), .succeeded(.value(""))])
    XCTAssertEqual(host.trace[1].description, "#2 xs_read path /local/domain/1/control/shutdown -> ok: \"\"")
  }

  func testTheTraceIsABoundedRing() throws {
    let host = SimulatedXenHost()
    host.traceCapacity = 3
    for _ in 0..<5 { _ = try host.hostWidth() }
    XCTAssertEqual(host.trace.map(\.sequence), [3, 4, 5])
    host.traceCapacity = 2
    XCTAssertEqual(host.trace.map(\.sequence), [4, 5])
  }

  func testTracingCanBeSwitchedOffAndTheTraceCleared() throws {
    let host = SimulatedXenHost()
    _ = try host.hostWidth()
    host.clearTrace()
    XCTAssertTrue(host.trace.isEmpty)
    host.isTracingEnabled = false
    _ = try host.hostWidth()
    XCTAssertTrue(host.trace.isEmpty)
    host.isTracingEnabled = true
    _ = try host.hostWidth()
    XCTAssertEqual(host.trace.map(\.sequence), [2], "sequence numbers count traced calls only")
  }

  func testAWaitIsRecordedWhenItEnds() async throws {
    let host = SimulatedXenHost()
    let watch = try host.watch("/local/domain/0/t")
    _ = try await host.nextWatchEvent(watch)
    let waiter = Task { try await host.nextWatchEvent(watch) }
    let parked = await eventually { host.waitingTaskCount == 1 }
    XCTAssertTrue(parked)
    XCTAssertEqual(host.trace.map(\.operation), [.watch, .nextWatchEvent])
    try host.write("/local/domain/0/t", value: "x")
    _ = try await waiter.value
    let last = try XCTUnwrap(host.trace.last { $0.operation == .nextWatchEvent })
    XCTAssertEqual(last.outcome, .succeeded(.watchEvent("/local/domain/0/t")))
  }
}
