import DomZeroProcess
import XCTest

/// The file reads dom0's programs rely on: console tails, and /proc's files, which report no size.
final class FileTailTests: XCTestCase {
  func testAProcFileIsReadFromItsStartThoughItReportsNoSize() throws {
    let uptime = try XCTUnwrap(FileTail.read("/proc/uptime", maxBytes: 64))
    let first = try XCTUnwrap(uptime.split(separator: " ").first.flatMap { Double($0) })
    XCTAssertGreaterThan(first, 0)
    XCTAssertFalse(try XCTUnwrap(FileTail.read("/proc/self/cmdline", maxBytes: 4096)).isEmpty)
  }

  func testARegularFileGivesItsLastBytes() throws {
    let path = NSTemporaryDirectory() + "filetail-\(getpid()).txt"
    try "line 1\nline 2\nRX-COUNTER 7 up=1.0\n".write(toFile: path, atomically: true, encoding: .utf8)
    defer { unlink(path) }
    XCTAssertEqual(FileTail.read(path, maxBytes: 20), "RX-COUNTER 7 up=1.0\n")
    XCTAssertEqual(FileTail.read(path, maxBytes: 1000), "line 1\nline 2\nRX-COUNTER 7 up=1.0\n")
    XCTAssertNil(FileTail.read(path + ".missing", maxBytes: 10))
  }
}
