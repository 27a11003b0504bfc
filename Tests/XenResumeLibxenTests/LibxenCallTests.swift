import SystemPackage
import XCTest
import XenResumeCore

@testable import XenResumeLibxen

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Runs `body` and returns the `XenCallError` it threw; records a failure if it threw nothing or something else.
func libxenCaughtError(
  _ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line
) -> XenCallError? {
  do {
    try body()
    XCTFail("expected a XenCallError, nothing was thrown", file: file, line: line)
  } catch let error as XenCallError {
    return error
  } catch {
    XCTFail("expected a XenCallError, got \(error)", file: file, line: line)
  }
  return nil
}

/// The call wrapper turns each C failure convention plus errno into a `XenCallError` named after the operation.
final class LibxenCallTests: XCTestCase {
  func testANegativeReturnBecomesTheErrnoOfTheCallNamedAfterItsOperation() throws {
    let error = try XCTUnwrap(
      libxenCaughtError {
        _ = try LibxenCall.value(.domainInfo, domain: 7) { () -> Int32 in
          errno = EBADF
          return -1
        }
      })
    XCTAssertEqual(error.call, "xc_domain_getinfolist")
    XCTAssertEqual(error.call, XenHostOperation.domainInfo.rawValue)
    XCTAssertEqual(error.errno, .badFileDescriptor)
    XCTAssertEqual(error.domain, 7)
  }

  func testSuccessfulCallsPassTheirValueThrough() throws {
    XCTAssertEqual(try LibxenCall.value(.bindInterdomainEventChannel) { Int32(42) }, 42)
    XCTAssertEqual(try LibxenCall.pointer(.read) { Optional("value") }, "value")
    XCTAssertNoThrow(try LibxenCall.success(.write) { true })
  }

  func testNULLAndFalseCarryErrnoToo() throws {
    let missing = try XCTUnwrap(
      libxenCaughtError {
        _ = try LibxenCall.pointer(.read, hint: "reading /x") { () -> String? in
          errno = ENOENT
          return nil
        }
      })
    XCTAssertEqual(missing.call, "xs_read")
    XCTAssertEqual(missing.errno, .noSuchFileOrDirectory)
    XCTAssertEqual(missing.hint, "reading /x")

    let conflict = try XCTUnwrap(
      libxenCaughtError {
        try LibxenCall.success(.endTransaction) {
          errno = EAGAIN
          return false
        }
      })
    XCTAssertEqual(conflict.call, "xs_transaction_end")
    XCTAssertEqual(conflict.errno, .resourceTemporarilyUnavailable)
  }

  func testAFailureWithoutErrnoIsReportedAsEIORatherThanSuccess() throws {
    errno = EPERM
    let error = try XCTUnwrap(libxenCaughtError { _ = try LibxenCall.value(.notify) { Int32(-1) } })
    XCTAssertEqual(error.errno, .ioError)
  }

  func testPermissionAndMissingDomainErrorsGetAHint() throws {
    let denied = try XCTUnwrap(
      libxenCaughtError {
        _ = try LibxenCall.value(.resumeDomain, domain: 3) { () -> Int32 in
          errno = EPERM
          return -1
        }
      })
    XCTAssertEqual(denied.call, "xc_domctl(XEN_DOMCTL_resumedomain)")
    XCTAssertTrue(denied.hint?.contains("root") ?? false, "\(denied)")

    let gone = try XCTUnwrap(
      libxenCaughtError {
        _ = try LibxenCall.value(.vcpuContext, domain: 3) { () -> Int32 in
          errno = ESRCH
          return -1
        }
      })
    XCTAssertEqual(gone.errno, .noSuchProcess)
    XCTAssertEqual(gone.hint, "no such domain")
  }

  func testReservedDomainIDsAreRefusedBeforeAnyCall() throws {
    XCTAssertEqual(try LibxenTypes.domainID(DomainID.maximumGuestID, for: .domainInfo), 0x7FEF)
    let error = try XCTUnwrap(libxenCaughtError { _ = try LibxenTypes.domainID(0x7FF0, for: .resumeDomain) })
    XCTAssertEqual(error.call, XenHostOperation.resumeDomain.rawValue)
    XCTAssertEqual(error.errno, .invalidArgument)
    XCTAssertEqual(error.domain, 0x7FF0)
    XCTAssertNotNil(libxenCaughtError { _ = try LibxenTypes.domainID(0x1_0007, for: .shutdownDomain) })
  }

  func testGuestMemoryCopiesMustStayInsideTheOneMappedPage() throws {
    XCTAssertNoThrow(try LibxenHost.checkWithinPage(.readGuestMemory, domain: 1, offset: 0, count: 4096))
    XCTAssertNoThrow(try LibxenHost.checkWithinPage(.writeGuestMemory, domain: 1, offset: 4096, count: 0))
    for (offset, count) in [(4000, 200), (-1, 8), (8, -1), (Int.max, 2)] {
      let error = try XCTUnwrap(
        libxenCaughtError { try LibxenHost.checkWithinPage(.writeGuestMemory, domain: 1, offset: offset, count: count) }
      )
      XCTAssertEqual(error.call, XenHostOperation.writeGuestMemory.rawValue)
      XCTAssertEqual(error.errno, .invalidArgument)
      XCTAssertEqual(error.domain, 1)
    }
  }

  func testPermissionsMapToTheXenStoreBits() {
    XCTAssertEqual(LibxenTypes.permissionBits(.none), 0)
    XCTAssertEqual(LibxenTypes.permissionBits(.read), 1)
    XCTAssertEqual(LibxenTypes.permissionBits(.write), 2)
    XCTAssertEqual(LibxenTypes.permissionBits(.readWrite), 3)
    XCTAssertEqual(LibxenTypes.noTransaction, XenStoreTransaction.none.rawValue)
  }
}
