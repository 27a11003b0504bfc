import Foundation
import Synchronization
import SystemPackage
import XCTest
import XenResumeCore

@testable import XenResumeLibxen

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A lost xenstored connection, without Xen: libxenstore connects to a tiny fake xenstored on a Unix socket named by
/// `XENSTORED_PATH`, which then hangs up. Waits are given a minute and must end with the connection-lost error long
/// before that; the tests assert on the error, never on how long it took.
final class XenStoreConnectionLossTests: XCTestCase {
  private var directory: FilePath = ""
  private var socketPath: String { directory.appending("socket").string }
  private var savedPath: String?

  override func setUpWithError() throws {
    // Under /tmp rather than $TMPDIR: a Unix socket's path must fit in sun_path's 108 bytes.
    let template = "/tmp/xenstored-XXXXXX"
    var bytes = Array(template.utf8CString)
    let created = try XCTUnwrap(bytes.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) })
    directory = FilePath(String(cString: created))
    savedPath = ProcessInfo.processInfo.environment["XENSTORED_PATH"]
    // libxenstore reads it on every xs_open, so it must be set before the client connects.
    setenv("XENSTORED_PATH", socketPath, 1)
  }

  override func tearDownWithError() throws {
    if let savedPath { setenv("XENSTORED_PATH", savedPath, 1) } else { unsetenv("XENSTORED_PATH") }
    try? FileManager.default.removeItem(atPath: directory.string)
  }

  func testAPendingWatchWaitFailsWithConnectionLostWhenXenstoredHangsUp() async throws {
    let xenstored = try FakeXenStored(path: socketPath)
    let client = try XenStoreClient()
    defer { client.shutdown() }
    let watch = try client.watch("/local/domain/7/control/shutdown")
    let first = try await waitAtMostAMinute { try await client.nextEvent(watch) }
    XCTAssertEqual(first, "/local/domain/7/control/shutdown", "the event fired at registration")

    let pending = Task { try await waitAtMostAMinute { try await client.nextEvent(watch) } }
    try await eventually { client.waiterCount(watch) == 1 }
    xenstored.hangUp()

    assertConnectionLost(await pending.result, "the wait that was pending")
    assertConnectionLost(
      await Result { try await waitAtMostAMinute { try await client.nextEvent(watch) } }, "a later wait")
  }

  /// A wait that starts after the hang-up fails too, instead of parking until its deadline.
  func testAWaitAfterTheHangUpFailsWithConnectionLost() async throws {
    let xenstored = try FakeXenStored(path: socketPath)
    let client = try XenStoreClient()
    defer { client.shutdown() }
    let watch = try client.watch("@releaseDomain")
    _ = try await waitAtMostAMinute { try await client.nextEvent(watch) }
    xenstored.hangUp()
    assertConnectionLost(
      await Result { try await waitAtMostAMinute { try await client.nextEvent(watch) } }, "the wait after the end")
  }

  /// While nothing listens, calls fail; once a xenstored listens again, the next call opens a new connection and
  /// new watches work, while the watch of the lost connection keeps failing with the connection-lost error.
  func testTheNextCallAfterARestartReconnectsAndOldWatchesStayFailed() async throws {
    let first = try FakeXenStored(path: socketPath)
    let client = try XenStoreClient()
    defer { client.shutdown() }
    XCTAssertEqual(try client.read("/vm/1/name", transaction: .none), "value of /vm/1/name")
    let old = try client.watch("@releaseDomain")
    _ = try await waitAtMostAMinute { try await client.nextEvent(old) }
    first.hangUp()
    assertConnectionLost(await Result { try await waitAtMostAMinute { try await client.nextEvent(old) } }, "old")

    XCTAssertThrowsError(try client.read("/vm/1/name", transaction: .none), "nothing listens") { error in
      XCTAssertEqual((error as? XenCallError)?.errno, .connectionRefused, "\(error)")
    }

    let second = try FakeXenStored(path: socketPath)
    XCTAssertEqual(try client.read("/vm/2/name", transaction: .none), "value of /vm/2/name")
    XCTAssertEqual(second.connectionCount, 1, "the read reconnected")
    let new = try client.watch("@releaseDomain")
    let event = try await waitAtMostAMinute { try await client.nextEvent(new) }
    XCTAssertEqual(event, "@releaseDomain")
    assertConnectionLost(
      await Result { try await waitAtMostAMinute { try await client.nextEvent(old) } }, "old after reconnecting")
    XCTAssertNoThrow(try client.unwatch(old), "a watch of a lost connection is already gone, as the caller wants")
    XCTAssertNoThrow(try client.unwatch(new))
    second.hangUp()
  }

  /// A request to a xenstored that hung up before any watch existed (no reader thread) fails with the
  /// connection-lost error, or reconnects at once; either way it never blocks.
  func testARequestAfterAHangUpWithoutWatchesReconnects() throws {
    let first = try FakeXenStored(path: socketPath)
    let client = try XenStoreClient()
    defer { client.shutdown() }
    XCTAssertEqual(try client.read("/a", transaction: .none), "value of /a")
    first.hangUp()
    let second = try FakeXenStored(path: socketPath)
    XCTAssertEqual(try client.read("/b", transaction: .none), "value of /b", "the hang-up is seen before sending")
    XCTAssertEqual(second.connectionCount, 1)
    second.hangUp()
  }

  // MARK: Helpers

  private func assertConnectionLost(
    _ result: Result<String, any Error>, _ what: String, file: StaticString = #filePath, line: UInt = #line
  ) {
    switch result {
    case .success(let value):
      XCTFail("\(what): got an event \(value) instead of the connection-lost error", file: file, line: line)
    case .failure(let error as XenCallError):
      XCTAssertEqual(error.call, XenHostOperation.nextWatchEvent.rawValue, "\(what): \(error)", file: file, line: line)
      XCTAssertEqual(error.errno, .connectionReset, "\(what): \(error)", file: file, line: line)
      XCTAssertTrue(
        error.hint?.contains("connection to xenstored was lost") ?? false, "\(what): \(error)", file: file,
        line: line)
    case .failure(let error):
      XCTFail("\(what): \(error)", file: file, line: line)
    }
  }

  private func eventually(_ condition: () -> Bool, file: StaticString = #filePath, line: UInt = #line) async throws {
    for _ in 0..<60_000 {
      if condition() { return }
      try await Task.sleep(for: .milliseconds(1))
    }
    XCTFail("condition not reached within a minute", file: file, line: line)
  }
}

/// What a wait that outlived its minute throws.
private struct WaitedAMinute: Error {}

/// Runs `body`, giving up after a minute: far longer than a prompt failure could ever take.
private func waitAtMostAMinute<Value: Sendable>(_ body: @escaping @Sendable () async throws -> Value) async throws
  -> Value
{
  try await withThrowingTaskGroup(of: Value.self) { group in
    group.addTask { try await body() }
    group.addTask {
      try await Task.sleep(for: .seconds(60))
      throw WaitedAMinute()
    }
    defer { group.cancelAll() }
    return try await group.next()!
  }
}

extension Result where Failure == any Error {
  fileprivate init(catching body: () async throws -> Success) async {
    do { self = .success(try await body()) } catch { self = .failure(error) }
  }
}

/// Just enough of xenstored's wire protocol (`xen/io/xs_wire.h`: a 16-byte header of type, request id,
/// transaction id and payload length, then the payload) for one connection: XS_READ answers "value of <path>",
/// XS_WATCH and XS_UNWATCH answer "OK" and a watch fires once straight away as xenstored's does; anything else gets
/// XS_ERROR "EINVAL". It serves a single connection on its own thread and stops listening when it hangs up.
private final class FakeXenStored: Sendable {
  // xsd_sockmsg_type values from xs_wire.h.
  private static let read: UInt32 = 2
  private static let watch: UInt32 = 4
  private static let unwatch: UInt32 = 5
  private static let watchEvent: UInt32 = 15
  private static let error: UInt32 = 16

  private let listener: Int32
  private let connection = Mutex<Int32?>(nil)
  private let accepted = Mutex(0)

  var connectionCount: Int { accepted.withLock { $0 } }

  init(path: String) throws {
    unlink(path)
    listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard listener >= 0 else { throw Errno(rawValue: errno) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
      for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
    }
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    guard bound == 0, listen(listener, 4) == 0 else {
      let failure = Errno(rawValue: errno)
      close(listener)
      throw failure
    }
    let thread = Thread { [self] in serve() }
    thread.start()
  }

  /// Closes the connection as a dying xenstored does, and stops listening: from now on connecting is refused.
  func hangUp() {
    close(listener)
    // shutdown() also wakes the serving thread out of its read; it closes the descriptor itself.
    if let descriptor = connection.withLock({ $0 }) { shutdown(descriptor, Int32(SHUT_RDWR)) }
  }

  private func serve() {
    let descriptor = accept(listener, nil, nil)
    guard descriptor >= 0 else { return }
    connection.withLock { $0 = descriptor }
    accepted.withLock { $0 += 1 }
    defer { close(descriptor) }
    while let (header, payload) = receive(descriptor) {
      let strings = payload.split(separator: 0, omittingEmptySubsequences: false).map {
        String(decoding: $0, as: UTF8.self)
      }
      switch header[0] {
      case Self.read:
        reply(descriptor, type: Self.read, header: header, Array("value of \(strings[0])".utf8))
      case Self.watch:
        reply(descriptor, type: Self.watch, header: header, Array("OK\0".utf8))
        reply(descriptor, type: Self.watchEvent, header: [0, 0, 0], Array("\(strings[0])\0\(strings[1])\0".utf8))
      case Self.unwatch:
        reply(descriptor, type: Self.unwatch, header: header, Array("OK\0".utf8))
      default:
        reply(descriptor, type: Self.error, header: header, Array("EINVAL\0".utf8))
      }
    }
  }

  /// One message: its header words and payload; `nil` at the end of the connection.
  private func receive(_ descriptor: Int32) -> ([UInt32], [UInt8])? {
    guard let header = receive(descriptor, count: 16) else { return nil }
    let words = header.withUnsafeBytes { bytes in (0..<4).map { bytes.load(fromByteOffset: $0 * 4, as: UInt32.self) } }
    guard let payload = receive(descriptor, count: Int(words[3])) else { return nil }
    return (words, payload)
  }

  private func receive(_ descriptor: Int32, count: Int) -> [UInt8]? {
    var bytes = [UInt8](repeating: 0, count: count)
    var done = 0
    while done < count {
      let got = bytes.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress! + done, count - done, 0) }
      if got < 0 && errno == EINTR { continue }
      guard got > 0 else { return nil }
      done += got
    }
    return bytes
  }

  /// Sends a message with the request's ids (header words 1 and 2).
  private func reply(_ descriptor: Int32, type: UInt32, header: [UInt32], _ payload: [UInt8]) {
    let words = [type, header[1], header[2], UInt32(payload.count)]
    let message = words.withUnsafeBytes { Array($0) } + payload
    _ = message.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
  }
}
