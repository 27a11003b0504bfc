import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// `stopXenStored()` and `startXenStored()`: what the toolstack sees when xenstored goes away and comes back, the
/// same as `LibxenHost` shows against a real xenstored.
final class XenStoredRestartTests: XCTestCase {
  func testAPendingWaitFailsAtOnceAndLaterWaitsFailAfterTheQueuedEvents() async throws {
    let host = SimulatedXenHost()
    let pending = try host.watch("/local/domain/0/pending")
    _ = try await host.nextWatchEvent(pending)
    let queued = try host.watch("/local/domain/0/queued")
    let waiter = Task { try await host.nextWatchEvent(pending) }
    let parked = await waitUntil { host.waitingTaskCount == 1 }
    XCTAssertTrue(parked)

    host.stopXenStored()
    XCTAssertFalse(host.isXenStoredRunning)
    assertLostConnection(await waiter.result)
    let firedAtRegistration = try await host.nextWatchEvent(queued)
    XCTAssertEqual(firedAtRegistration, "/local/domain/0/queued", "queued before the stop, still handed out")
    assertLostConnection(await Result { try await host.nextWatchEvent(queued) })
    assertLostConnection(await Result { try await host.nextWatchEvent(pending) })
  }

  func testCallsFailWhileXenstoredIsDownAndItsNodesAreThereAfterwards() throws {
    let host = SimulatedXenHost()
    try host.write("/local/domain/0/kept", value: "yes")
    let transaction = try host.startTransaction()
    let old = try host.watch("@releaseDomain")
    let guest = host.createDomain(.pv())
    try host.shutdownDomain(guest, reason: .suspend)

    host.stopXenStored()
    for (name, call) in [
      ("read", { _ = try host.read("/local/domain/0/kept") }),
      ("write", { try host.write("/local/domain/0/kept", value: "no") }),
      ("remove", { try host.remove("/local/domain/0/kept") }),
      ("watch", { _ = try host.watch("@releaseDomain") }),
      ("end transaction", { try host.endTransaction(transaction, commit: true) }),
      ("start transaction", { _ = try host.startTransaction() }),
      ("XS_RESUME", { try host.resumeDomainInXenStore(guest) }),
    ] as [(String, () throws -> Void)] {
      XCTAssertThrowsError(try call(), name) { XCTAssertEqual(($0 as? XenCallError)?.errno, .connectionRefused) }
    }
    XCTAssertNoThrow(try host.unwatch(old), "xenstored already dropped it")

    host.startXenStored()
    XCTAssertEqual(try host.read("/local/domain/0/kept"), "yes", "the nodes survive the restart")
    XCTAssertThrowsError(try host.endTransaction(transaction, commit: true), "ended with the old connection") {
      XCTAssertEqual(($0 as? XenCallError)?.errno, .noSuchFileOrDirectory)
    }
    XCTAssertThrowsError(try host.unwatch(old), "forgotten already") {
      XCTAssertEqual(($0 as? XenCallError)?.errno, .noSuchFileOrDirectory)
    }
  }

  func testAfterARestartNewWatchesWorkAndOldOnesStayFailed() async throws {
    let host = SimulatedXenHost()
    let old = try host.watch("/local/domain/0/node")
    _ = try await host.nextWatchEvent(old)
    host.restartXenStored()

    let new = try host.watch("/local/domain/0/node")
    XCTAssertNotEqual(new, old, "ids are never reused")
    let registration = try await host.nextWatchEvent(new)
    XCTAssertEqual(registration, "/local/domain/0/node")
    try host.write("/local/domain/0/node", value: "changed")
    let change = try await host.nextWatchEvent(new)
    XCTAssertEqual(change, "/local/domain/0/node")
    assertLostConnection(await Result { try await host.nextWatchEvent(old) })
    XCTAssertEqual(host.watchCount, 1)
  }

  private func assertLostConnection(
    _ result: Result<String, any Error>, file: StaticString = #filePath, line: UInt = #line
  ) {
    guard case .failure(let error as XenCallError) = result else {
      return XCTFail("expected the lost connection, got \(result)", file: file, line: line)
    }
    XCTAssertEqual(error, .xenStoreConnectionLost(.nextWatchEvent), file: file, line: line)
  }

  private func waitUntil(_ condition: () -> Bool) async -> Bool {
    for _ in 0..<60_000 {
      if condition() { return true }
      try? await Task.sleep(for: .milliseconds(1))
    }
    return condition()
  }
}

extension Result where Failure == any Error {
  fileprivate init(catching body: () async throws -> Success) async {
    do { self = .success(try await body()) } catch { self = .failure(error) }
  }
}
