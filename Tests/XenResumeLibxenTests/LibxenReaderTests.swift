import SystemPackage
import XCTest
import XenResumeCore

@testable import XenResumeLibxen

/// What waits on a key that is not open throw.
private let libxenUnknownKey = XenCallError(.nextWatchEvent, errno: .invalidArgument, hint: "unknown")

/// The machinery behind `nextWatchEvent` and `waitForEvent`, without Xen: the per-key mailboxes the reader threads
/// deliver into, and the polling thread itself over a plain pipe.
final class LibxenReaderTests: XCTestCase {
  /// Polls until `condition` holds; the waiter under test parks on another task. The 30 s bound only ends a test
  /// that fails: two seconds, as before, is within reach of a loaded two-core machine.
  private func eventually(
    _ condition: () -> Bool, file: StaticString = #filePath, line: UInt = #line
  ) async throws {
    let end = ContinuousClock.now + .seconds(30)
    while ContinuousClock.now < end {
      if condition() { return }
      try await Task.sleep(for: .milliseconds(1))
    }
    XCTFail("condition not reached within 30 s", file: file, line: line)
  }

  func testQueuedEventsComeOutInOrderAndUnknownKeysAreRefused() async throws {
    let mailboxes = EventMailboxes<UInt64, String>(coalescing: false)
    mailboxes.open(1)
    mailboxes.deliver("@releaseDomain", to: 1)
    mailboxes.deliver("/local/domain/7/control/shutdown", to: 1)
    mailboxes.deliver("dropped: key 2 is not open", to: 2)

    let first = try await mailboxes.next(from: 1, missing: libxenUnknownKey)
    let second = try await mailboxes.next(from: 1, missing: libxenUnknownKey)
    XCTAssertEqual(first, "@releaseDomain")
    XCTAssertEqual(second, "/local/domain/7/control/shutdown")
    do {
      _ = try await mailboxes.next(from: 2, missing: libxenUnknownKey)
      XCTFail("key 2 was never opened")
    } catch let error as XenCallError {
      XCTAssertEqual(error, libxenUnknownKey)
    }
  }

  func testAParkedWaiterIsResumedByADelivery() async throws {
    let mailboxes = EventMailboxes<UInt64, String>(coalescing: false)
    mailboxes.open(1)
    let waiter = Task { try await mailboxes.next(from: 1, missing: libxenUnknownKey) }
    try await eventually { mailboxes.waiterCount(1) == 1 }
    mailboxes.deliver("/a", to: 1)
    let value = try await waiter.value
    XCTAssertEqual(value, "/a")
    XCTAssertNil(mailboxes.take(from: 1), "a delivery to a waiter is not queued as well")
  }

  func testCancellingOneWaitLeavesOtherKeysAndWaitersIntact() async throws {
    let mailboxes = EventMailboxes<UInt64, String>(coalescing: false)
    mailboxes.open(1)
    mailboxes.open(2)
    let cancelled = Task { try await mailboxes.next(from: 1, missing: libxenUnknownKey) }
    let other = Task { try await mailboxes.next(from: 2, missing: libxenUnknownKey) }
    try await eventually { mailboxes.waiterCount(1) == 1 && mailboxes.waiterCount(2) == 1 }

    cancelled.cancel()
    do {
      _ = try await cancelled.value
      XCTFail("a cancelled wait must throw")
    } catch is CancellationError {}
    XCTAssertEqual(mailboxes.waiterCount(1), 0)
    XCTAssertTrue(mailboxes.isOpen(1), "cancelling a wait does not close its watch")

    mailboxes.deliver("/one", to: 1)
    mailboxes.deliver("/two", to: 2)
    let otherValue = try await other.value
    XCTAssertEqual(otherValue, "/two")
    XCTAssertEqual(mailboxes.take(from: 1), "/one", "the event after the cancellation is kept for the next wait")
  }

  func testAWaitCancelledBeforeItStartsConsumesNothing() async throws {
    let mailboxes = EventMailboxes<UInt64, String>(coalescing: false)
    mailboxes.open(1)
    mailboxes.deliver("/queued", to: 1)
    let task = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      return try await mailboxes.next(from: 1, missing: libxenUnknownKey)
    }
    do {
      _ = try await task.value
      XCTFail("a cancelled wait must throw")
    } catch is CancellationError {}
    XCTAssertEqual(mailboxes.take(from: 1), "/queued")
  }

  func testClosingAKeyFailsItsWaitersAndDropsItsEvents() async throws {
    let mailboxes = EventMailboxes<UInt64, String>(coalescing: false)
    let removed = XenCallError(.nextWatchEvent, errno: .invalidArgument, hint: "removed")
    mailboxes.open(1)
    let waiter = Task { try await mailboxes.next(from: 1, missing: libxenUnknownKey) }
    try await eventually { mailboxes.waiterCount(1) == 1 }
    mailboxes.close(1, failingWaitersWith: removed)
    do {
      _ = try await waiter.value
      XCTFail("the waiter of a closed key must fail")
    } catch let error as XenCallError {
      XCTAssertEqual(error, removed)
    }
    mailboxes.deliver("/late", to: 1)
    XCTAssertFalse(mailboxes.isOpen(1))
    XCTAssertNil(mailboxes.take(from: 1))
  }

  func testEventChannelStyleMailboxesCoalesceAPendingBit() {
    let ports = EventMailboxes<UInt32, Void>(coalescing: true)
    ports.open(5)
    ports.deliver((), to: 5)
    ports.deliver((), to: 5)
    XCTAssertNotNil(ports.take(from: 5))
    XCTAssertNil(ports.take(from: 5), "two notifications before a read are one pending event")
  }

  func testAWatchMailboxStopsQueueingDuplicatesPastItsLimitButKeepsNewPaths() {
    // A guest rewriting its watched node while nobody takes the events: the queue stops growing at the limit,
    // and an event for a path not yet queued still gets in, so no change goes unannounced.
    let mailboxes = EventMailboxes<UInt64, String>(queueingDuplicatesUpTo: 4)
    mailboxes.open(1)
    for _ in 0..<1000 { mailboxes.deliver("/local/domain/3/control/shutdown", to: 1) }
    mailboxes.deliver("/local/domain/3/control/shutdown/child", to: 1)
    var taken: [String] = []
    while let event = mailboxes.take(from: 1) { taken.append(event) }
    XCTAssertEqual(
      taken, Array(repeating: "/local/domain/3/control/shutdown", count: 4) + ["/local/domain/3/control/shutdown/child"]
    )
  }

  func testTheWatchesOfAConnectionKeepTheSharedQueueLimit() {
    let connectionMailboxLimit = XenStoreWatchID.queuedEventLimit
    let mailboxes = EventMailboxes<UInt64, String>(queueingDuplicatesUpTo: connectionMailboxLimit)
    mailboxes.open(1)
    for _ in 0..<(connectionMailboxLimit + 100) { mailboxes.deliver("@releaseDomain", to: 1) }
    var count = 0
    while mailboxes.take(from: 1) != nil { count += 1 }
    XCTAssertEqual(count, connectionMailboxLimit)
  }

  func testAFailedSourceFailsWaitsOnceQueuedEventsAreUsedUp() async throws {
    let mailboxes = EventMailboxes<UInt64, String>(coalescing: false)
    let lost = XenCallError(.nextWatchEvent, errno: .badFileDescriptor, hint: "lost")
    mailboxes.open(1)
    mailboxes.open(2)
    let waiter = Task { try await mailboxes.next(from: 2, missing: libxenUnknownKey) }
    try await eventually { mailboxes.waiterCount(2) == 1 }
    mailboxes.deliver("/before", to: 1)
    mailboxes.fail(with: lost)

    do {
      _ = try await waiter.value
      XCTFail("a parked waiter fails with the source")
    } catch let error as XenCallError {
      XCTAssertEqual(error, lost)
    }
    let queued = try await mailboxes.next(from: 1, missing: libxenUnknownKey)
    XCTAssertEqual(queued, "/before")
    do {
      _ = try await mailboxes.next(from: 1, missing: libxenUnknownKey)
      XCTFail("later waits fail too")
    } catch let error as XenCallError {
      XCTAssertEqual(error, lost)
    }
  }

  /// The polling thread wakes on its descriptor, runs the handler off the cooperative pool, and stops (joined) when
  /// dropped, even while nothing arrives.
  func testThePollingThreadDeliversWhatItsDescriptorCarriesAndStopsWhenDropped() async throws {
    let (readEnd, writeEnd) = try FileDescriptor.pipe()
    defer {
      try? readEnd.close()
      try? writeEnd.close()
    }
    let mailboxes = EventMailboxes<UInt32, Void>(coalescing: true)
    for port in UInt32(1)...3 { mailboxes.open(port) }

    let thread = try PollingThread(
      polling: readEnd,
      call: .waitForEvent,
      onReadable: {
        var port: UInt32 = 0
        guard (try? withUnsafeMutableBytes(of: &port) { try readEnd.read(into: $0) }) == 4 else { return false }
        mailboxes.deliver((), to: port)
        return true
      },
      onFailure: { mailboxes.fail(with: XenCallError(.waitForEvent, errno: $0)) })

    let waiter = Task { try await mailboxes.next(from: 2, missing: libxenUnknownKey) }
    try await eventually { mailboxes.waiterCount(2) == 1 }
    for port in [UInt32(3), 2] { XCTAssertEqual(try send(port, to: writeEnd), 4) }
    try await waiter.value
    try await eventually { mailboxes.take(from: 3) != nil }

    _ = consume thread
    XCTAssertEqual(try send(1, to: writeEnd), 4)
    try await Task.sleep(for: .milliseconds(50))
    XCTAssertNil(mailboxes.take(from: 1), "a stopped thread reads nothing more")
  }

  /// A port number the way the test's reader reads it: four bytes in host order.
  private func send(_ port: UInt32, to descriptor: FileDescriptor) throws -> Int {
    try withUnsafeBytes(of: port) { try descriptor.write($0) }
  }

  /// The wrapper behind both reader threads' waits: a zero timeout only looks, and an end whose other end has closed
  /// polls ready (its reader then sees end-of-file).
  func testPollReportsReadableDescriptorsInTheOrderGiven() throws {
    let (readEnd, writeEnd) = try FileDescriptor.pipe()
    let (idleRead, idleWrite) = try FileDescriptor.pipe()
    defer {
      for end in [readEnd, idleRead, idleWrite] { try? end.close() }
    }
    XCTAssertEqual(try FileDescriptor.poll(readable: [readEnd, idleRead], timeout: .zero), [false, false])
    XCTAssertEqual(try send(9, to: writeEnd), 4)
    XCTAssertEqual(try FileDescriptor.poll(readable: [idleRead, readEnd], timeout: nil), [false, true])
    try writeEnd.close()
    var port: UInt32 = 0
    XCTAssertEqual(try withUnsafeMutableBytes(of: &port) { try readEnd.read(into: $0) }, 4)
    XCTAssertEqual(try FileDescriptor.poll(readable: [readEnd], timeout: .milliseconds(1)), [true], "hang-up")
    XCTAssertEqual(try FileDescriptor.poll(readable: [idleRead], timeout: .milliseconds(1)), [false], "timed out")
  }

  func testPollingADescriptorThatIsNotOpenReportsItReady() throws {
    // POLLNVAL: the reader threads learn of a descriptor gone bad when their handler reads it. A number far above any
    // open descriptor, rather than a closed one, which another thread could reopen meanwhile.
    let notOpen = FileDescriptor(rawValue: .max)
    XCTAssertEqual(try FileDescriptor.poll(readable: [notOpen], timeout: .zero), [true])
  }
}
