internal import CXen
import SystemPackage
@_spi(XenHostBackends) import XenResumeCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

extension LibxenHost {
  /// Maps one guest frame read-only, copies `count` bytes from `offset`, and unmaps it.
  public func readGuestMemory(of domain: DomainID, frame: UInt64, offset: Int, count: Int) throws -> [UInt8] {
    try callObservers.observe(.readGuestMemory, domain: domain) {
      try Self.checkWithinPage(.readGuestMemory, domain: domain, offset: offset, count: count)
      return try withMappedFrame(.readGuestMemory, domain: domain, frame: frame, protection: PROT_READ) { page in
        Array(UnsafeRawBufferPointer(rebasing: page[offset..<(offset + count)]))
      }
    }
  }

  /// Maps one guest frame read-write, copies `bytes` in at `offset`, and unmaps it.
  public func writeGuestMemory(of domain: DomainID, frame: UInt64, offset: Int, bytes: [UInt8]) throws {
    try callObservers.observe(.writeGuestMemory, domain: domain) {
      try Self.checkWithinPage(.writeGuestMemory, domain: domain, offset: offset, count: bytes.count)
      try withMappedFrame(.writeGuestMemory, domain: domain, frame: frame, protection: PROT_READ | PROT_WRITE) {
        page in
        bytes.withUnsafeBytes {
          UnsafeMutableRawBufferPointer(rebasing: page[offset..<(offset + $0.count)]).copyMemory(from: $0)
        }
      }
    }
  }

  /// The copy must stay inside the one page that is mapped.
  static func checkWithinPage(
    _ operation: XenHostOperation, domain: DomainID, offset: Int, count: Int
  ) throws(XenCallError) {
    guard offset >= 0, count >= 0, offset <= GuestLayout.pageSize - count else {
      throw XenCallError(
        operation, domain: domain, errno: .invalidArgument,
        hint: "offset \(offset) + count \(count) exceeds one \(GuestLayout.pageSize)-byte page")
    }
  }

  /// Maps one frame for the length of `body`. A mapping can fail as a whole (NULL, errno) or for the page alone
  /// (the per-page error slot, which holds a negative errno on Linux), and both are reported; the mapping is always
  /// unmapped, and an unmap failure is reported too, since it leaks a mapping of guest memory.
  private func withMappedFrame<Result: Sendable>(
    _ operation: XenHostOperation,
    domain: DomainID,
    frame: UInt64,
    protection: Int32,
    _ body: (UnsafeMutableRawBufferPointer) -> Result
  ) throws(XenCallError) -> Result {
    let domid = try LibxenTypes.domainID(domain, for: operation)
    guard let pfn = xen_pfn_t(exactly: frame) else {
      throw XenCallError(
        operation, domain: domain, errno: .invalidArgument, hint: "frame \(frame) does not fit xen_pfn_t")
    }
    return try foreignMemory.withLock { (handle: inout ForeignMemoryHandle) throws(XenCallError) -> Result in
      let fmem = handle.raw
      var frames = [pfn]
      var pageErrors: [Int32] = [0]
      let address = try LibxenCall.pointer(operation, domain: domain, hint: "mapping frame \(frame)") {
        xenforeignmemory_map(fmem, domid, protection, 1, &frames, &pageErrors)
      }
      let unmap = { () throws(XenCallError) in
        _ = try LibxenCall.value(operation, domain: domain, hint: "xenforeignmemory_unmap of frame \(frame)") {
          xenforeignmemory_unmap(fmem, address, 1)
        }
      }
      guard pageErrors[0] == 0 else {
        try? unmap()
        throw XenCallError(
          operation, domain: domain, errno: Errno(rawValue: abs(pageErrors[0])),
          hint: "frame \(frame) cannot be mapped")
      }
      let result = body(UnsafeMutableRawBufferPointer(start: address, count: GuestLayout.pageSize))
      try unmap()
      return result
    }
  }
}
