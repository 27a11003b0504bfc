import CXen
import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore

@testable import XenResumeLibxen

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The whole-guest calls' rules around their C calls, run with stand-ins for libxenforeignmemory and libxenctrl, since
/// this machine has no hypervisor (`LibxenHostTests`: opening a `LibxenHost` fails): batches are refused before any
/// call, failures carry the C call's errno named after the operation, a frame that does not map names itself and
/// leaves guest memory and the caller's pages alone, and every mapping is unmapped.
final class LibxenGuestStateTests: XCTestCase {
  private let domain: DomainID = 7
  private let page = GuestLayout.pageSize

  // MARK: Refused before any call

  func testBatchesOverTheLimitAreRefusedBeforeAnyCall() throws {
    let frames = (0..<UInt64(GuestFrameKind.batchLimit + 1)).map { $0 + 0x1000 }
    let memory = ForeignMemoryStandIn(pages: 1)

    let kinds = try XCTUnwrap(
      libxenCaughtError {
        _ = try LibxenHost.frameKinds(of: domain, frames: frames) { _ in XCTFail("getpageframeinfo3 was called") }
      })
    var pages: [UInt8] = [0xAA]
    let read = try XCTUnwrap(
      libxenCaughtError { try memory.mapper(domain).read(frames, appendingTo: &pages) })
    let pagesToWrite = [UInt8](repeating: 1, count: frames.count * page)
    let write = try XCTUnwrap(
      libxenCaughtError { try memory.mapper(domain).write(frames, pages: pagesToWrite[...]) })

    for (error, operation) in [
      (kinds, XenHostOperation.guestFrameKinds), (read, .readGuestFrames), (write, .writeGuestFrames),
    ] {
      XCTAssertEqual(error.call, operation.rawValue)
      XCTAssertEqual(error.errno, .invalidArgument, "\(operation)")
      XCTAssertEqual(error.domain, domain, "\(operation)")
      XCTAssertTrue(error.hint?.contains("1025 frames") ?? false, "\(error)")
    }
    XCTAssertEqual(pages, [0xAA], "nothing appended")
    XCTAssertTrue(memory.maps.isEmpty, "a refused batch maps nothing")
  }

  func testABatchAtTheLimitIsOneCall() throws {
    let frames = (0..<UInt64(GuestFrameKind.batchLimit)).map { $0 * 3 }
    var calls = 0
    let kinds = try LibxenHost.frameKinds(of: domain, frames: frames) { words in
      calls += 1
      XCTAssertEqual(words.map(UInt64.init), frames, "the frames go in where the words come out")
      for index in words.indices { words[index] = 0 }
    }
    XCTAssertEqual(calls, 1)
    XCTAssertEqual(kinds, Array(repeating: .ram, count: frames.count))
  }

  func testPagesThatAreNotOnePerFrameAreRefusedBeforeAnyCall() throws {
    let memory = ForeignMemoryStandIn(pages: 2)
    let cases: [(frames: [UInt64], bytes: Int)] = [
      ([5], page - 1), ([5], page + 1), ([5], 0), ([5, 6], page), ([5, 6], 3 * page), ([], page),
    ]
    for (frames, bytes) in cases {
      let pages = [UInt8](repeating: 0x5A, count: bytes)
      let error = try XCTUnwrap(libxenCaughtError { try memory.mapper(domain).write(frames, pages: pages[...]) })
      XCTAssertEqual(error.call, XenHostOperation.writeGuestFrames.rawValue)
      XCTAssertEqual(error.errno, .invalidArgument, "\(frames.count) frames, \(bytes) bytes")
      XCTAssertEqual(error.domain, domain)
    }
    XCTAssertTrue(memory.maps.isEmpty)
    XCTAssertEqual(memory.bytes, [UInt8](repeating: 0, count: 2 * page), "nothing written")
  }

  func testEmptyBatchesMakeNoCall() throws {
    let memory = ForeignMemoryStandIn(pages: 1)
    XCTAssertEqual(try LibxenHost.frameKinds(of: domain, frames: []) { _ in XCTFail("called") }, [])
    var pages: [UInt8] = [1, 2, 3]
    try memory.mapper(domain).read([], appendingTo: &pages)
    XCTAssertEqual(pages, [1, 2, 3])
    try memory.mapper(domain).write([], pages: [][...])
    XCTAssertTrue(memory.maps.isEmpty)
    XCTAssertTrue(memory.unmaps.isEmpty)
  }

  // MARK: Mapping

  func testAReadAppendsEveryPageInOrderAndUnmaps() throws {
    let memory = ForeignMemoryStandIn(pages: 3)
    memory.fill { pageIndex in UInt8(pageIndex + 1) }
    var pages: [UInt8] = [0xAA]
    try memory.mapper(domain).read([30, 10, 20], appendingTo: &pages)

    XCTAssertEqual(pages.count, 1 + 3 * page)
    XCTAssertEqual(pages.first, 0xAA, "appended after what was there")
    for index in 0..<3 {
      let start = 1 + index * page
      XCTAssertTrue(pages[start..<(start + page)].allSatisfy { $0 == UInt8(index + 1) }, "page \(index)")
    }
    XCTAssertEqual(memory.maps.map(\.frames), [[30, 10, 20]], "one mapping for the batch, frames in order")
    XCTAssertEqual(memory.maps.map(\.protection), [PROT_READ])
    XCTAssertEqual(memory.unmaps, [3])
  }

  func testAWriteCopiesEveryPageInOrderAndUnmaps() throws {
    let memory = ForeignMemoryStandIn(pages: 2)
    let pages = [UInt8](repeating: 0x11, count: page) + [UInt8](repeating: 0x22, count: page)
    let padded = [0xEE] + pages + [0xEE]
    try memory.mapper(domain).write([8, 9], pages: padded[1..<(padded.count - 1)])

    XCTAssertEqual(memory.bytes, pages)
    XCTAssertEqual(memory.maps.map(\.frames), [[8, 9]])
    XCTAssertEqual(memory.maps.map(\.protection), [PROT_READ | PROT_WRITE])
    XCTAssertEqual(memory.unmaps, [2])
  }

  /// A frame that does not map (Linux puts a negative errno in its slot) fails the whole batch with that errno,
  /// naming it: a read appends nothing, a write writes nothing, and the mapping is unmapped either way.
  func testAFrameThatDoesNotMapFailsTheBatchNamingIt() throws {
    for operation in [XenHostOperation.readGuestFrames, .writeGuestFrames] {
      let memory = ForeignMemoryStandIn(pages: 3)
      memory.pageErrors = [1: -EFAULT, 2: -ENOENT]
      var pages: [UInt8] = [0xAA]
      let written = [UInt8](repeating: 0x77, count: 3 * page)
      let error = try XCTUnwrap(
        libxenCaughtError {
          if operation == .readGuestFrames {
            try memory.mapper(domain).read([100, 101, 102], appendingTo: &pages)
          } else {
            try memory.mapper(domain).write([100, 101, 102], pages: written[...])
          }
        })
      XCTAssertEqual(error.call, operation.rawValue)
      XCTAssertEqual(error.errno, .badAddress, "the first failed frame's errno")
      XCTAssertEqual(error.domain, domain)
      XCTAssertEqual(error.hint, "frame 101 cannot be mapped")
      XCTAssertEqual(pages, [0xAA], "\(operation): nothing appended")
      XCTAssertEqual(memory.bytes, [UInt8](repeating: 0, count: 3 * page), "\(operation): nothing written")
      XCTAssertEqual(memory.unmaps, [3], "\(operation): the mapping is released")
    }
  }

  /// A mapping that fails as a whole is the C call's errno with the frames in the hint: what a dom0 without
  /// privcmd access (EPERM) or a missing domain (ESRCH) reports; nothing is unmapped.
  func testAMappingThatFailsAsAWholeCarriesItsErrno() throws {
    for (errnoValue, expected) in [(EPERM, Errno.notPermitted), (ESRCH, .noSuchProcess), (0, .ioError)] {
      let memory = ForeignMemoryStandIn(pages: 2)
      memory.mapErrno = errnoValue
      var pages: [UInt8] = []
      let error = try XCTUnwrap(libxenCaughtError { try memory.mapper(domain).read([4, 5], appendingTo: &pages) })
      XCTAssertEqual(error.call, XenHostOperation.readGuestFrames.rawValue)
      XCTAssertEqual(error.errno, expected)
      XCTAssertEqual(error.hint, "mapping 2 frames starting with frame 4")
      XCTAssertTrue(pages.isEmpty)
      XCTAssertTrue(memory.unmaps.isEmpty)
    }
  }

  /// An unmap that fails leaks a mapping of guest memory, so the call reports it, after the copy.
  func testAnUnmapFailureIsReported() throws {
    let memory = ForeignMemoryStandIn(pages: 1)
    memory.unmapErrno = EINVAL
    let error = try XCTUnwrap(
      libxenCaughtError {
        try memory.mapper(domain).write([42], pages: [UInt8](repeating: 9, count: page)[...])
      })
    XCTAssertEqual(error.call, XenHostOperation.writeGuestFrames.rawValue)
    XCTAssertEqual(error.errno, .invalidArgument)
    XCTAssertEqual(error.hint, "xenforeignmemory_unmap of frame 42")
    XCTAssertEqual(memory.bytes, [UInt8](repeating: 9, count: page))
  }

  /// The single-frame calls keep their messages through the shared mapper.
  func testOneFrameIsNamedAsBefore() throws {
    let memory = ForeignMemoryStandIn(pages: 1)
    memory.pageErrors = [0: -EPERM]
    let error = try XCTUnwrap(
      libxenCaughtError {
        _ = try memory.mapper(domain).withMapped(.readGuestMemory, frames: [77], protection: PROT_READ) { _ in 0 }
      })
    XCTAssertEqual(error.call, XenHostOperation.readGuestMemory.rawValue)
    XCTAssertEqual(error.errno, .notPermitted)
    XCTAssertEqual(error.hint, "frame 77 cannot be mapped")
  }

  // MARK: Frame kinds

  func testEachWordBecomesItsFramesKind() throws {
    let words: [UInt32] = [
      XEN_DOMCTL_PFINFO_XTAB, XEN_DOMCTL_PFINFO_BROKEN, XEN_DOMCTL_PFINFO_NOTAB,
      XEN_DOMCTL_PFINFO_L1TAB | XEN_DOMCTL_PFINFO_LPINTAB,
    ]
    let kinds = try LibxenHost.frameKinds(of: domain, frames: [1, 2, 3, 4]) { answer in
      for index in answer.indices { answer[index] = xen_pfn_t(words[index]) }
    }
    XCTAssertEqual(kinds, [.absent, .broken, .ram, .ram])
  }

  func testAFailedLookUpIsTheCallsError() throws {
    let failure = XenCallError(.guestFrameKinds, domain: domain, errno: .noSuchProcess, hint: "no such domain")
    let error = try XCTUnwrap(
      libxenCaughtError {
        _ = try LibxenHost.frameKinds(of: domain, frames: [1]) { _ throws(XenCallError) in throw failure }
      })
    XCTAssertEqual(error, failure)
  }

  // MARK: HVM context

  func testTheContextIsTheBytesXenReportsWriting() throws {
    var buffers: [Int?] = []
    let context = try LibxenHost.hvmContext(of: domain) { buffer in
      buffers.append(buffer?.count)
      guard let buffer else { return 64 }
      for index in 0..<40 { buffer[index] = UInt8(index) }
      return 40
    }
    XCTAssertEqual(buffers, [nil, 64], "the size query with NULL, then a buffer of that size")
    XCTAssertEqual(context, (0..<40).map(UInt8.init))
  }

  func testAFailedSizeQueryIsTheOnlyCall() throws {
    var calls = 0
    let error = try XCTUnwrap(
      libxenCaughtError {
        _ = try LibxenHost.hvmContext(of: domain) { _ throws(XenCallError) in
          calls += 1
          throw XenCallError(.hvmContext, domain: 7, errno: .invalidArgument)
        }
      })
    XCTAssertEqual(error.call, XenHostOperation.hvmContext.rawValue)
    XCTAssertEqual(calls, 1)
  }

  func testAnAnswerLargerThanTheBufferIsRefused() throws {
    let error = try XCTUnwrap(
      libxenCaughtError { _ = try LibxenHost.hvmContext(of: domain) { buffer in buffer == nil ? 16 : 17 } })
    XCTAssertEqual(error.call, XenHostOperation.hvmContext.rawValue)
    XCTAssertEqual(error.errno, .ioError)
    XCTAssertEqual(error.domain, domain)
  }
}

/// libxenforeignmemory's map and unmap over a buffer of its own: frames map to consecutive pages of it, the slots in
/// `pageErrors` fail, and every call is recorded.
private final class ForeignMemoryStandIn {
  /// The "guest memory" a mapping exposes: `pages` pages, zeroed.
  let memory: UnsafeMutableRawBufferPointer
  var maps: [(protection: Int32, frames: [UInt64])] = []
  var unmaps: [Int] = []
  /// Per-page errors by batch index (negative errnos, as Linux reports them).
  var pageErrors: [Int: Int32] = [:]
  /// Set: the whole mapping fails with this errno (0: without setting errno).
  var mapErrno: Int32?
  /// Set: the unmap fails with this errno.
  var unmapErrno: Int32?

  init(pages: Int) {
    memory = .allocate(byteCount: pages * GuestLayout.pageSize, alignment: GuestLayout.pageSize)
    memory.initializeMemory(as: UInt8.self, repeating: 0)
  }

  deinit { memory.deallocate() }

  var bytes: [UInt8] { Array(memory) }

  func fill(_ value: (Int) -> UInt8) {
    for offset in memory.indices { memory[offset] = value(offset / GuestLayout.pageSize) }
  }

  func mapper(_ domain: DomainID) -> FrameMapper {
    FrameMapper(
      domain: domain,
      map: { [self] protection, frames, errors in
        maps.append((protection, frames.map(UInt64.init)))
        if let mapErrno {
          errno = mapErrno
          return nil
        }
        precondition(frames.count * GuestLayout.pageSize <= memory.count, "the stand-in has too few pages")
        for (index, error) in pageErrors { errors[index] = error }
        return memory.baseAddress
      },
      unmap: { [self] address, pages in
        XCTAssertEqual(address, memory.baseAddress)
        unmaps.append(pages)
        guard let unmapErrno else { return 0 }
        errno = unmapErrno
        return -1
      })
  }
}
