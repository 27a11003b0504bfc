import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

final class XenStoreTransactionTests: XCTestCase {
  func testChangesInATransactionAreSeenOnlyInsideItUntilCommit() throws {
    let host = SimulatedXenHost()
    let transaction = try host.startTransaction()
    try host.write("/local/domain/0/a/b", value: "1", transaction: transaction)
    XCTAssertEqual(try host.read("/local/domain/0/a/b", transaction: transaction), "1")
    XCTAssertNil(try host.read("/local/domain/0/a/b"))
    try host.endTransaction(transaction, commit: true)
    XCTAssertEqual(try host.read("/local/domain/0/a/b"), "1")
    XCTAssertEqual(try host.read("/local/domain/0/a"), "")
    XCTAssertEqual(host.openTransactionCount, 0)
  }

  func testAbandoningATransactionDiscardsItsChanges() throws {
    let host = SimulatedXenHost()
    let transaction = try host.startTransaction()
    try host.write("/local/domain/0/x", value: "1", transaction: transaction)
    try host.endTransaction(transaction, commit: false)
    XCTAssertNil(try host.read("/local/domain/0/x"))
  }

  func testACommitFailsWithEAGAINWhenANodeItReadChangedMeanwhile() throws {
    let host = SimulatedXenHost()
    try host.write("/local/domain/0/x", value: "old")
    let transaction = try host.startTransaction()
    XCTAssertEqual(try host.read("/local/domain/0/x", transaction: transaction), "old")
    try host.write("/local/domain/0/y", value: "1", transaction: transaction)
    try host.write("/local/domain/0/x", value: "new")
    assertXenError(.resourceTemporarilyUnavailable, try host.endTransaction(transaction, commit: true))
    XCTAssertNil(try host.read("/local/domain/0/y"), "nothing of the failed transaction is applied")
    assertXenError(
      .noSuchFileOrDirectory, try host.endTransaction(transaction, commit: true), "the transaction is over")
  }

  func testACommitFailsWhenANodeItFoundMissingWasCreatedMeanwhile() throws {
    let host = SimulatedXenHost()
    let transaction = try host.startTransaction()
    XCTAssertNil(try host.read("/local/domain/0/late", transaction: transaction))
    try host.write("/local/domain/0/late", value: "1")
    assertXenError(.resourceTemporarilyUnavailable, try host.endTransaction(transaction, commit: true))
  }

  func testTransactionsOnDifferentNodesBothCommit() throws {
    let host = SimulatedXenHost()
    try host.write("/local/domain/0/a", value: "0")
    try host.write("/local/domain/0/b", value: "0")
    let first = try host.startTransaction()
    let second = try host.startTransaction()
    XCTAssertNotEqual(first, second)
    try host.write("/local/domain/0/a", value: "1", transaction: first)
    try host.write("/local/domain/0/b", value: "2", transaction: second)
    try host.endTransaction(first, commit: true)
    try host.endTransaction(second, commit: true)
    XCTAssertEqual(try host.read("/local/domain/0/a"), "1")
    XCTAssertEqual(try host.read("/local/domain/0/b"), "2")
  }

  func testAGuestsAcknowledgementMakesAToolstacksWithdrawalFail() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(behaviour: .ignoresSuspendRequest))
    let path = XenStorePath.controlShutdown(of: domain)
    try host.write(path, value: "suspend")
    let transaction = try host.startTransaction()
    XCTAssertEqual(try host.read(path, transaction: transaction), "suspend")
    try host.writeAsGuest("control/shutdown", value: "", domain: domain)
    try host.write(path, value: "", transaction: transaction)
    assertXenError(.resourceTemporarilyUnavailable, try host.endTransaction(transaction, commit: true))
  }

  func testRemovingInsideATransactionHidesTheWholeSubtreeFromIt() throws {
    let host = SimulatedXenHost()
    try host.write("/local/domain/0/tree/leaf", value: "1")
    let transaction = try host.startTransaction()
    try host.remove("/local/domain/0/tree", transaction: transaction)
    XCTAssertNil(try host.read("/local/domain/0/tree/leaf", transaction: transaction))
    try host.write("/local/domain/0/tree/other", value: "2", transaction: transaction)
    XCTAssertNil(try host.read("/local/domain/0/tree/leaf", transaction: transaction))
    XCTAssertEqual(try host.read("/local/domain/0/tree/leaf"), "1")
    try host.endTransaction(transaction, commit: true)
    XCTAssertNil(try host.read("/local/domain/0/tree/leaf"))
    XCTAssertEqual(try host.read("/local/domain/0/tree/other"), "2")
  }

  func testUnknownTransactionsAreENOENT() throws {
    let host = SimulatedXenHost()
    let unknown = XenStoreTransaction(rawValue: 77)
    assertXenError(.noSuchFileOrDirectory, try host.read("/local", transaction: unknown))
    assertXenError(.noSuchFileOrDirectory, try host.write("/local/x", value: "", transaction: unknown))
    assertXenError(.noSuchFileOrDirectory, try host.endTransaction(unknown, commit: false))
  }

  func testWatchesFireAtCommitNotAtTheWrite() async throws {
    let host = SimulatedXenHost()
    let watch = try await HandDrivenToolstack(host: host).watch("/local/domain/0/w")
    let transaction = try host.startTransaction()
    try host.write("/local/domain/0/w", value: "1", transaction: transaction)
    XCTAssertEqual(host.queuedEventCount(of: watch), 0)
    try host.endTransaction(transaction, commit: true)
    XCTAssertEqual(host.queuedEventCount(of: watch), 1)
    let event = try await host.nextWatchEvent(watch)
    XCTAssertEqual(event, "/local/domain/0/w")
  }

  func testARequestWrittenInATransactionReachesTheGuestAtCommit() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let transaction = try host.startTransaction()
    try host.write(XenStorePath.controlShutdown(of: domain), value: "suspend", transaction: transaction)
    XCTAssertEqual(host.observations(of: domain).suspendRequestsSeen, 0)
    try host.endTransaction(transaction, commit: true)
    XCTAssertTrue(try host.domainInfo(domain).isSuspended)
  }
}
