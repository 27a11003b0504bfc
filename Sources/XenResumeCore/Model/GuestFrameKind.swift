/// What Xen holds at one frame of a guest's physical map, as `XEN_DOMCTL_getpageframeinfo3` reports it.
public enum GuestFrameKind: Sendable, Hashable {
  /// A page of the guest's own memory (`XEN_DOMCTL_PFINFO_NOTAB`, or a page-table type on PV): what a capture copies.
  case ram
  /// Nothing the toolstack can copy (`XEN_DOMCTL_PFINFO_XTAB`): a hole, or a page of Xen's own heap mapped into
  /// the guest, such as its shared_info page and grant-table frames, which Xen rebuilds itself.
  case absent
  /// A page Xen marked broken after a memory error (`XEN_DOMCTL_PFINFO_BROKEN`): its contents cannot be trusted.
  case broken

  /// The most frames one `guestFrameKinds(of:frames:)`, `readGuestFrames` or `writeGuestFrames` call takes
  /// (`XEN_DOMCTL_getpageframeinfo3` refuses more than 1024 with E2BIG; libxenguest's save maps batches of the same
  /// size).
  public static let batchLimit = 1024

  /// `XEN_DOMCTL_PFINFO_LTAB_SHIFT`: the type sits in bits 28–31 of each word the domctl writes back.
  public static let typeShift = 28

  /// The kind of a word `XEN_DOMCTL_getpageframeinfo3` wrote back: the top nibble `0xf` is XTAB, `0xd` is BROKEN,
  /// and everything else (`NOTAB`, the PV page-table types, with or without the pinned bit) is a page of RAM.
  public init(pageFrameInfo word: UInt64) {
    switch (word >> UInt64(Self.typeShift)) & 0xF {
    case 0xF: self = .absent
    case 0xD: self = .broken
    default: self = .ram
    }
  }
}
