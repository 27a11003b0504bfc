internal import CXen
import SystemPackage
@_spi(XenHostBackends) import XenResumeCore

extension LibxenHost {
  /// `xc_domain_maximum_gpfn` (`XENMEM_maximum_gpfn`): a capture walks the guest's physical map up to this frame. The
  /// header calls the out-parameter `gpfns`, but it is the highest frame, not a count (`xc_domain_nr_gpfns` adds 1).
  public func maximumGuestFrame(of domain: DomainID) throws -> UInt64 {
    try callObservers.observe(.maximumGuestFrame, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .maximumGuestFrame)
      var frame: xen_pfn_t = 0
      _ = try controlCall(.maximumGuestFrame, domain: domain) { xch in xc_domain_maximum_gpfn(xch, domid, &frame) }
      return UInt64(frame)
    }
  }

  /// `XEN_DOMCTL_getpageframeinfo3` through the shim's `cxen_get_pfn_type_batch`, libxenctrl's own
  /// `xc_get_pfn_type_batch` being private: it tells holes and Xen's pages from RAM without mapping a frame, so a
  /// capture maps only what it copies. An empty batch makes no call.
  public func guestFrameKinds(of domain: DomainID, frames: [UInt64]) throws -> [GuestFrameKind] {
    try callObservers.observe(.guestFrameKinds, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .guestFrameKinds)
      return try Self.frameKinds(of: domain, frames: frames) { (words: inout [xen_pfn_t]) throws(XenCallError) in
        _ = try controlCall(.guestFrameKinds, domain: domain, hint: LibxenTypes.describe(frames: frames)) { xch in
          cxen_get_pfn_type_batch(xch, domid, UInt32(words.count), &words)
        }
      }
    }
  }

  /// One `xenforeignmemory_map(PROT_READ)` for the whole batch, so that a capture pays one mapping (and one TLB
  /// shootdown at the unmap) per batch rather than per page. A frame that does not map fails the call with its errno,
  /// naming it, and appends nothing.
  public func readGuestFrames(of domain: DomainID, frames: [UInt64], appendingTo pages: inout [UInt8]) throws {
    try callObservers.observe(.readGuestFrames, domain: domain) {
      try withFrameMapper(.readGuestFrames, domain: domain) { mapper throws(XenCallError) in
        try mapper.read(frames, appendingTo: &pages)
      }
    }
  }

  /// One `xenforeignmemory_map(PROT_READ | PROT_WRITE)` for the whole batch, written only once every frame has mapped,
  /// so that a rewind never leaves a batch half written by a frame that cannot be mapped. `pages` of the wrong length
  /// are refused with EINVAL before anything is mapped.
  public func writeGuestFrames(of domain: DomainID, frames: [UInt64], pages: ArraySlice<UInt8>) throws {
    try callObservers.observe(.writeGuestFrames, domain: domain) {
      try withFrameMapper(.writeGuestFrames, domain: domain) { mapper throws(XenCallError) in
        try mapper.write(frames, pages: pages)
      }
    }
  }

  /// `xc_domain_hvm_getcontext` twice, as libxenguest's save does: with NULL for the size Xen needs, then into a
  /// buffer of that size. Xen's size is an upper bound, so the context is the bytes it reports having written.
  public func hvmContext(of domain: DomainID) throws -> [UInt8] {
    try callObservers.observe(.hvmContext, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .hvmContext)
      return try Self.hvmContext(of: domain) { buffer throws(XenCallError) in
        try controlCall(.hvmContext, domain: domain) { xch in
          xc_domain_hvm_getcontext(xch, domid, buffer?.baseAddress, UInt32(buffer?.count ?? 0))
        }
      }
    }
  }

  /// `xc_domain_hvm_setcontext`. Its header takes a mutable pointer although libxenctrl only copies the bytes into a
  /// hypercall buffer, so it is handed a copy: the caller's array stays untouched whatever the library does.
  public func setHVMContext(_ context: [UInt8], of domain: DomainID) throws {
    try callObservers.observe(.setHVMContext, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .setHVMContext)
      guard let size = UInt32(exactly: context.count) else {
        throw XenCallError(
          .setHVMContext, domain: domain, errno: .invalidArgument,
          hint: "a \(context.count)-byte context does not fit the domctl's 32-bit size")
      }
      var bytes = context
      _ = try controlCall(.setHVMContext, domain: domain) { xch in xc_domain_hvm_setcontext(xch, domid, &bytes, size) }
    }
  }

  /// `guestFrameKinds(of:frames:)` around its one C call, which `lookUp` makes in place (frames in, type words out):
  /// the batch rules before it, the decoding after. Separate so that the tests can run it with a stand-in.
  static func frameKinds(
    of domain: DomainID, frames: [UInt64], _ lookUp: (inout [xen_pfn_t]) throws(XenCallError) -> Void
  ) throws(XenCallError) -> [GuestFrameKind] {
    var words = try LibxenTypes.guestFrames(frames, domain: domain, for: .guestFrameKinds)
    guard !words.isEmpty else { return [] }
    try lookUp(&words)
    return words.map { GuestFrameKind(pageFrameInfo: UInt64($0)) }
  }

  /// `hvmContext(of:)` around its two C calls, which `getContext` makes (`nil`: the size query). A second answer
  /// larger than the buffer would mean Xen wrote past it, so it is refused rather than trusted. Separate so that the
  /// tests can run it with a stand-in.
  static func hvmContext(
    of domain: DomainID, _ getContext: (UnsafeMutableBufferPointer<UInt8>?) throws(XenCallError) -> Int32
  ) throws(XenCallError) -> [UInt8] {
    let size = Int(try getContext(nil))
    var context = [UInt8](repeating: 0, count: size)
    let got = Int(try context.withUnsafeMutableBufferPointer { buffer throws(XenCallError) in try getContext(buffer) })
    guard got <= size else {
      throw XenCallError(
        .hvmContext, domain: domain, errno: .ioError, hint: "Xen reported \(got) bytes written into \(size)")
    }
    context.removeLast(size - got)
    return context
  }
}
