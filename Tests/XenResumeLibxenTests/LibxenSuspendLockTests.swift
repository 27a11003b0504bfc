import SystemPackage
import XCTest
import XenResumeCore

@testable import XenResumeLibxen

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The suspend lock files, exercised in a temporary directory with real fcntl locks and no Xen.
final class LibxenSuspendLockTests: XCTestCase {
  private var directory = FilePath()

  override func setUpWithError() throws {
    let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    var template = Array("\(base)/libxen-lock-XXXXXX".utf8CString)
    guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
      throw Errno(rawValue: errno)
    }
    directory = FilePath(String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
  }

  override func tearDownWithError() throws {
    if let entries = opendir(directory.string) {
      while let entry = readdir(entries) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { try? directory.appending(name).unlink() }
      }
      closedir(entries)
    }
    rmdir(directory.string)
  }

  private func exists(_ path: FilePath) -> Bool { (try? path.stat()) != nil }

  func testTheLockFileIsWhereLibxenguestPutsIt() {
    let table = SuspendLockTable()
    XCTAssertEqual(table.path(for: 12), "/var/run/xen/suspend-evtchn-12.lock")
  }

  func testASecondOwnerIsRefusedWithEAGAINUntilTheFirstReleases() throws {
    var first = SuspendLockTable(directory: directory)
    var second = SuspendLockTable(directory: directory)
    let path = first.path(for: 7)

    try first.acquire(7)
    XCTAssertTrue(exists(path))
    XCTAssertTrue(first.holds(7))

    let refused = try XCTUnwrap(libxenCaughtError { try second.acquire(7) })
    XCTAssertEqual(refused.call, XenHostOperation.acquireSuspendLock.rawValue)
    XCTAssertEqual(refused.errno, .resourceTemporarilyUnavailable)
    XCTAssertEqual(refused.domain, 7)
    XCTAssertFalse(second.holds(7))

    try second.acquire(8)  // other domains are independent

    try first.release(7)
    XCTAssertFalse(exists(path), "release removes the file")
    XCTAssertFalse(first.holds(7))

    try second.acquire(7)
    XCTAssertTrue(exists(path))
    XCTAssertTrue(second.holds(7))

    _ = consume second  // an owner that goes away releases what it still holds
    XCTAssertFalse(exists(path))
    XCTAssertFalse(exists(first.path(for: 8)))
    try first.acquire(7)
    try first.release(7)
  }

  func testTheSameOwnerCannotTakeALockTwice() throws {
    var table = SuspendLockTable(directory: directory)
    try table.acquire(3)
    let error = try XCTUnwrap(libxenCaughtError { try table.acquire(3) })
    XCTAssertEqual(error.errno, .resourceTemporarilyUnavailable)
    XCTAssertTrue(table.holds(3), "the failed second attempt keeps the first lock")
    try table.release(3)
  }

  func testReleasingALockNotHeldDoesNothing() throws {
    var table = SuspendLockTable(directory: directory)
    XCTAssertNoThrow(try table.release(5))
  }

  func testAStaleUnlockedFileFromACrashedHolderIsReused() throws {
    var table = SuspendLockTable(directory: directory)
    let path = table.path(for: 4)
    try FileDescriptor.open(path, .readWrite, options: .create, permissions: .ownerReadWrite).close()
    try table.acquire(4)
    try table.release(4)
    XCTAssertFalse(exists(path))
  }

  /// Only root (the toolstack) may open the file, as with libxenguest's; the umask can only take bits away.
  func testTheLockFileIsCreatedForItsOwnerOnly() throws {
    var table = SuspendLockTable(directory: directory)
    try table.acquire(6)
    let permissions = try table.path(for: 6).stat().permissions
    XCTAssertTrue(FilePermissions.ownerReadWrite.isSuperset(of: permissions), "\(permissions)")
    try table.release(6)
  }

  func testReleasingAfterSomeoneRemovedTheFileSucceeds() throws {
    var table = SuspendLockTable(directory: directory)
    try table.acquire(2)
    try table.path(for: 2).unlink()
    XCTAssertNoThrow(try table.release(2))
    XCTAssertFalse(table.holds(2))
    try table.acquire(2)
    try table.release(2)
  }

  /// libxenguest (xl, libxl) takes a classic process-associated fcntl lock on the same byte; the kernel makes it and
  /// our open-file-description lock exclude each other, in both directions.
  func testTheLockExcludesLibxenguestsClassicFcntlLock() throws {
    var table = SuspendLockTable(directory: directory)
    let path = table.path(for: 9)
    // xl's side is plain C on purpose: the point is how the kernel treats a classic lock against ours.
    let xl = open(path.string, O_CREAT | O_RDWR, 0o600)
    defer { close(xl) }
    var classic = flock()
    classic.l_type = Int16(F_WRLCK)
    classic.l_whence = Int16(SEEK_SET)
    classic.l_len = 1
    XCTAssertEqual(fcntl(xl, F_SETLK, &classic), 0)

    let refused = try XCTUnwrap(libxenCaughtError { try table.acquire(9) })
    XCTAssertEqual(refused.errno, .resourceTemporarilyUnavailable)

    classic.l_type = Int16(F_UNLCK)
    XCTAssertEqual(fcntl(xl, F_SETLK, &classic), 0)
    try table.acquire(9)

    classic.l_type = Int16(F_WRLCK)
    XCTAssertEqual(fcntl(xl, F_SETLK, &classic), -1, "xl must not get the lock while we hold it")
    XCTAssertTrue(errno == EAGAIN || errno == EACCES)
    try table.release(9)
  }

  func testAMissingDirectoryIsReportedWithItsErrno() throws {
    var table = SuspendLockTable(directory: directory.appending("absent"))
    let error = try XCTUnwrap(libxenCaughtError { try table.acquire(1) })
    XCTAssertEqual(error.call, XenHostOperation.acquireSuspendLock.rawValue)
    XCTAssertEqual(error.errno, .noSuchFileOrDirectory)
    XCTAssertEqual(error.hint, "cannot create \(directory.string)/absent/suspend-evtchn-1.lock")
  }
}
