internal import CXen
import XenResumeCore

/// The integer-type mismatches between libxen-dev's headers and the Swift model, handled in one place.
///
/// The importer gives `#define`d constants the type `Int32` while the fields they go into are unsigned, `domid_t` is
/// 16 bits while the `xc_*` functions take 32, and `XBT_NULL` is an `Int32` where transactions are `UInt32`.
enum LibxenTypes {
  /// `XBT_NULL` as an `xs_transaction_t`.
  static let noTransaction = xs_transaction_t(XBT_NULL)

  /// A domain id as the libraries take it. Ids from `DOMID_FIRST_RESERVED` (0x7FF0) up name special domains or do
  /// not fit the 16-bit `domid_t` of a domctl, where libxenctrl would truncate them into another domain's id; they
  /// are refused before any call.
  static func domainID(_ domain: DomainID, for operation: XenHostOperation) throws(XenCallError) -> UInt32 {
    guard domain.rawValue < CXEN_DOMID_FIRST_RESERVED else {
      throw XenCallError(
        operation, domain: domain, errno: .invalidArgument,
        hint: "domain ids from 0x7FF0 up are reserved and cannot be a guest")
    }
    return domain.rawValue
  }

  /// The `XS_PERM_*` bits for one permission entry.
  static func permissionBits(_ access: XenStorePermission.Access) -> UInt32 {
    switch access {
    case .none: UInt32(XS_PERM_NONE)
    case .read: UInt32(XS_PERM_READ)
    case .write: UInt32(XS_PERM_WRITE)
    case .readWrite: UInt32(XS_PERM_READ | XS_PERM_WRITE)
    }
  }

  /// Guest frames as the `xen_pfn_t` array the batch calls hand to C. A batch stays within
  /// `GuestFrameKind.batchLimit`, the most one `XEN_DOMCTL_getpageframeinfo3` takes, so that one batch of kinds is one
  /// batch of mappings; a longer one, or a frame `xen_pfn_t` cannot hold, is refused before any call.
  static func guestFrames(
    _ frames: [UInt64], domain: DomainID, for operation: XenHostOperation
  ) throws(XenCallError) -> [xen_pfn_t] {
    guard frames.count <= GuestFrameKind.batchLimit else {
      throw XenCallError(
        operation, domain: domain, errno: .invalidArgument,
        hint: "\(frames.count) frames exceed the batch limit of \(GuestFrameKind.batchLimit)")
    }
    var pfns: [xen_pfn_t] = []
    pfns.reserveCapacity(frames.count)
    for frame in frames {
      guard let pfn = xen_pfn_t(exactly: frame) else {
        throw XenCallError(
          operation, domain: domain, errno: .invalidArgument, hint: "frame \(frame) does not fit xen_pfn_t")
      }
      pfns.append(pfn)
    }
    return pfns
  }

  /// Names a batch of frames in a hint: "frame 4096" for one, "1024 frames starting with frame 4096" for more.
  static func describe(frames: [UInt64]) -> String {
    guard let first = frames.first else { return "no frames" }
    return frames.count == 1 ? "frame \(first)" : "\(frames.count) frames starting with frame \(first)"
  }

  /// `XEN_DOMCTL_resumedomain` as the `UInt32` that `xen_domctl.cmd` holds.
  static let resumeDomainCommand = UInt32(XEN_DOMCTL_resumedomain)
}
