import SystemPackage
import XCTest
import XenResumeCore

@testable import XenResumeLibxen

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// What `LibxenHost` does on a machine that is not a Xen dom0, such as CI.
final class LibxenHostTests: XCTestCase {
  private func skipOnARealXenHost() throws {
    try XCTSkipIf(access("/dev/xen/privcmd", F_OK) == 0, "this machine is a Xen host: opening would succeed")
  }

  func testOpeningWithoutXenThrowsTheFirstFailingCallWithAHint() throws {
    try skipOnARealXenHost()
    let error = try XCTUnwrap(libxenCaughtError { _ = try LibxenHost() })
    XCTAssertEqual(error.call, "xc_interface_open")
    XCTAssertEqual(error.errno, .noSuchFileOrDirectory)
    XCTAssertNil(error.domain)
    XCTAssertTrue(error.hint?.contains("/dev/xen/privcmd") ?? false, "\(error)")
    XCTAssertTrue(error.description.hasPrefix("xc_interface_open failed"), error.description)
  }

  func testOpeningWithoutXenPrintsNothing() throws {
    try skipOnARealXenHost()
    let output = try capturingStandardOutputAndError {
      _ = try? LibxenHost()
    }
    XCTAssertEqual(output, "", "the Xen libraries printed on their own")
  }

  /// xc_interface_open fails first here, so the other libraries are tried one by one: each fails with its own call
  /// name and device, and none prints either.
  func testEveryLibraryFailsQuietlyWithItsOwnCallAndDevice() throws {
    try skipOnARealXenHost()
    try XCTSkipIf(access("/var/run/xenstored/socket", F_OK) == 0, "xenstored runs here")
    var errors: [XenCallError] = []
    let output = try capturingStandardOutputAndError {
      errors.append(contentsOf: [libxenCaughtError { _ = try XenStoreHandle() }].compactMap { $0 })
      errors.append(contentsOf: [libxenCaughtError { _ = try EventChannelHandle() }].compactMap { $0 })
      errors.append(contentsOf: [libxenCaughtError { _ = try ForeignMemoryHandle() }].compactMap { $0 })
    }
    XCTAssertEqual(output, "")
    XCTAssertEqual(errors.map(\.call), ["xs_open", "xenevtchn_open", "xenforeignmemory_open"])
    XCTAssertEqual(errors.map(\.errno), Array(repeating: .noSuchFileOrDirectory, count: 3))
    for (error, device) in zip(errors, ["xenstored/socket", "/dev/xen/evtchn", "/dev/xen/privcmd"]) {
      XCTAssertTrue(error.hint?.contains(device) ?? false, "\(error)")
    }
  }

  func testAFailedOpenLeavesNoDescriptorBehind() throws {
    try skipOnARealXenHost()
    _ = try? LibxenHost()  // libraries may open lazily-cached descriptors on first use; count after one round
    let before = try openDescriptorCount()
    for _ in 0..<5 { _ = try? LibxenHost() }
    XCTAssertEqual(try openDescriptorCount(), before)
  }

  /// Runs `body` with fds 1 and 2 redirected into a pipe, and returns what was written to them.
  private func capturingStandardOutputAndError(_ body: () throws -> Void) throws -> String {
    var ends: [Int32] = [-1, -1]
    XCTAssertEqual(ends.withUnsafeMutableBufferPointer { pipe($0.baseAddress!) }, 0)
    fflush(nil)
    let savedOutput = dup(1)
    let savedError = dup(2)
    dup2(ends[1], 1)
    dup2(ends[1], 2)
    close(ends[1])
    let outcome = Result { try body() }
    fflush(nil)
    dup2(savedOutput, 1)
    dup2(savedError, 2)
    close(savedOutput)
    close(savedError)

    // Every write end is closed now, so reading stops at end of file.
    var captured: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(ends[0], $0.baseAddress, $0.count) }
      if count <= 0 { break }
      captured += chunk[0..<count]
    }
    close(ends[0])
    try outcome.get()
    return String(decoding: captured, as: UTF8.self)
  }

  private func openDescriptorCount() throws -> Int {
    guard let directory = opendir("/proc/self/fd") else { throw Errno(rawValue: errno) }
    defer { closedir(directory) }
    var count = 0
    while readdir(directory) != nil { count += 1 }
    return count
  }
}
