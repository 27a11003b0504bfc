import SystemPackage
import XCTest
import XenResumeCore
import XenSimulator

final class SuspendLockTests: XCTestCase {
  func testASecondAcquireWhileHeldIsEAGAIN() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    try host.acquireSuspendLock(for: domain)
    XCTAssertEqual(host.suspendLockHolder(for: domain), .toolstack)
    assertXenError(.resourceTemporarilyUnavailable, try host.acquireSuspendLock(for: domain))
    try host.releaseSuspendLock(for: domain)
    XCTAssertNil(host.suspendLockHolder(for: domain))
    try host.acquireSuspendLock(for: domain)
  }

  func testALockHeldByAnotherProcessIsEAGAINUntilItLetsGo() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    XCTAssertTrue(host.holdSuspendLockInAnotherProcess(for: domain))
    XCTAssertFalse(host.holdSuspendLockInAnotherProcess(for: domain))
    assertXenError(.resourceTemporarilyUnavailable, try host.acquireSuspendLock(for: domain))
    assertXenError(.badFileDescriptor, try host.releaseSuspendLock(for: domain), "not ours to remove")
    XCTAssertEqual(host.suspendLockHolder(for: domain), .anotherProcess)
    host.releaseSuspendLockOfAnotherProcess(for: domain)
    try host.acquireSuspendLock(for: domain)
  }

  func testReleasingALockNobodyHoldsIsENOENTAndLocksAreFilesNotDomains() throws {
    let host = SimulatedXenHost()
    assertXenError(.noSuchFileOrDirectory, try host.releaseSuspendLock(for: 3))
    XCTAssertNoThrow(try host.acquireSuspendLock(for: 3), "like the lock file, whether domain 3 exists or not")
    XCTAssertNoThrow(try host.releaseSuspendLock(for: 3))
  }
}
