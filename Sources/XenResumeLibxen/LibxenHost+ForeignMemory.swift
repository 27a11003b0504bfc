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

  /// Maps one frame for the length of `body`, with the rules of every mapping (`FrameMapper.withMapped`).
  private func withMappedFrame<Result: Sendable>(
    _ operation: XenHostOperation,
    domain: DomainID,
    frame: UInt64,
    protection: Int32,
    _ body: (UnsafeMutableRawBufferPointer) -> Result
  ) throws(XenCallError) -> Result {
    try withFrameMapper(operation, domain: domain) { mapper throws(XenCallError) in
      try mapper.withMapped(operation, frames: [frame], protection: protection, body)
    }
  }
}
