internal import CXen
import SystemPackage
@_spi(XenHostBackends) import XenResumeCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// `xenforeignmemory_map` and `xenforeignmemory_unmap` bound to one handle and one domain, and the rules every mapping
/// of guest frames follows, for the single-frame and the batch calls alike.
///
/// A mapper lives for one call under the foreign-memory handle's lock (`LibxenHost.withFrameMapper`). The two C calls
/// are closures so that the rules around them (the batch limit, per-page errors, the unmap on every path) can be
/// exercised with stand-ins on a machine without Xen; the mapped addresses never leave the mapper's methods.
struct FrameMapper {
  /// The domain whose frames are mapped, for the errors.
  let domain: DomainID
  /// `xenforeignmemory_map(fmem, domid, protection, frames.count, frames, errors)`: every frame at consecutive
  /// addresses, or NULL with errno; a frame that did not map has a negative errno in its `errors` slot.
  let map: (_ protection: Int32, _ frames: [xen_pfn_t], _ errors: inout [Int32]) -> UnsafeMutableRawPointer?
  /// `xenforeignmemory_unmap(fmem, address, pages)`.
  let unmap: (_ address: UnsafeMutableRawPointer, _ pages: Int) -> Int32

  /// Maps `frames` in one call for the length of `body`, which sees their pages back to back; an empty batch makes no
  /// call and `body` sees no bytes.
  ///
  /// A mapping can fail as a whole (NULL, errno) or page by page (the per-page slots, negative errnos on Linux), and
  /// both are reported, the latter naming the first frame that failed; `body` then never runs, so nothing is read or
  /// written. The mapping is always unmapped, and an unmap failure is reported too, since it leaks a mapping of guest
  /// memory.
  func withMapped<Result>(
    _ operation: XenHostOperation,
    frames: [UInt64],
    protection: Int32,
    _ body: (UnsafeMutableRawBufferPointer) -> Result
  ) throws(XenCallError) -> Result {
    let pfns = try LibxenTypes.guestFrames(frames, domain: domain, for: operation)
    guard !pfns.isEmpty else { return body(UnsafeMutableRawBufferPointer(start: nil, count: 0)) }
    let described = LibxenTypes.describe(frames: frames)
    var pageErrors = [Int32](repeating: 0, count: pfns.count)
    let address = try LibxenCall.pointer(operation, domain: domain, hint: "mapping \(described)") {
      map(protection, pfns, &pageErrors)
    }
    let release = { () throws(XenCallError) in
      _ = try LibxenCall.value(operation, domain: domain, hint: "xenforeignmemory_unmap of \(described)") {
        unmap(address, pfns.count)
      }
    }
    if let failed = pageErrors.firstIndex(where: { $0 != 0 }) {
      try? release()
      throw XenCallError(
        operation, domain: domain, errno: Errno(rawValue: abs(pageErrors[failed])),
        hint: "frame \(frames[failed]) cannot be mapped")
    }
    let result = body(UnsafeMutableRawBufferPointer(start: address, count: pfns.count * GuestLayout.pageSize))
    try release()
    return result
  }

  /// `readGuestFrames`: maps the batch read-only and appends its pages to `pages`. `append(contentsOf:)` grows the
  /// array geometrically and copies the mapping in one go; an exact `reserveCapacity` here would reallocate the whole
  /// capture on every batch of a loop.
  func read(_ frames: [UInt64], appendingTo pages: inout [UInt8]) throws(XenCallError) {
    try withMapped(.readGuestFrames, frames: frames, protection: PROT_READ) { mapped in
      pages.append(contentsOf: UnsafeRawBufferPointer(mapped))
    }
  }

  /// `writeGuestFrames`: refuses `pages` that are not exactly one page per frame before mapping anything, then maps
  /// the batch read-write and copies them in, only once every frame has mapped.
  func write(_ frames: [UInt64], pages: ArraySlice<UInt8>) throws(XenCallError) {
    guard pages.count == frames.count * GuestLayout.pageSize else {
      throw XenCallError(
        .writeGuestFrames, domain: domain, errno: .invalidArgument,
        hint: "\(pages.count) bytes for \(frames.count) frames of \(GuestLayout.pageSize) bytes")
    }
    try withMapped(.writeGuestFrames, frames: frames, protection: PROT_READ | PROT_WRITE) { mapped in
      pages.withUnsafeBytes { mapped.copyMemory(from: $0) }
    }
  }
}

extension LibxenHost {
  /// Runs `body` with a mapper on the foreign-memory handle, under its lock: the handle is shared by every thread, and
  /// errno must be read before another call overwrites it. A reserved domain id is refused before the lock is taken.
  func withFrameMapper<Result: Sendable>(
    _ operation: XenHostOperation, domain: DomainID, _ body: (FrameMapper) throws(XenCallError) -> Result
  ) throws(XenCallError) -> Result {
    let domid = try LibxenTypes.domainID(domain, for: operation)
    return try foreignMemory.withLock { (handle: inout ForeignMemoryHandle) throws(XenCallError) -> Result in
      let fmem = handle.raw
      let mapper = FrameMapper(
        domain: domain,
        map: { protection, frames, errors in
          xenforeignmemory_map(fmem, domid, protection, frames.count, frames, &errors)
        },
        unmap: { address, pages in xenforeignmemory_unmap(fmem, address, pages) })
      return try body(mapper)
    }
  }
}
