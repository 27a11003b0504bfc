import SystemPackage
@_spi(XenHostBackends) import XenResumeCore

/// How a toolstack reaches the guest's pages: what a foreign mapping names, what `XEN_DOMCTL_getpageframeinfo3`
/// reports, and how far the physical map goes.
///
/// A PV domain's frames are machine frames (Xen keeps no physical map for it: `get_page_from_gfn` takes the gfn as
/// the MFN), and only those it owns map. An HVM container's frames are gfns of its physical map: RAM from 0, with the
/// VGA hole (0xA0–0xBF) left unpopulated for a guest with a device model, as libxenguest's HVM builder leaves it, and
/// its shared_info page at `hvmSharedInfoGFN` while its kernel has it mapped there.
extension GuestMemory {
  /// The legacy VGA hole (0xA0000–0xBFFFF) a domain builder leaves out of the physical map of a guest with a device
  /// model.
  static let vgaHole: Range<UInt64> = 0xA0..<0xC0

  /// The machine frame a foreign mapping of `frame` reaches, or the errno the mapping fails with: EPERM for a
  /// machine frame a PV domain does not own ("Couldn't map", as before), EINVAL for a frame of an HVM container's
  /// physical map that holds nothing (`mod_l1_entry`'s failed `get_page_from_gfn`). An HVM container's mapped
  /// shared_info page maps, as a PV domain's does.
  func mappedFrame(_ frame: UInt64) -> Result<UInt64, Errno> {
    if hasPVStructures { return owns(frame) ? .success(frame) : .failure(.notPermitted) }
    if sharedInfoMapped, frame == Self.hvmSharedInfoGFN { return .success(sharedInfoFrame) }
    guard let pfn = ramPFN(ofGFN: frame) else { return .failure(.invalidArgument) }
    return .success(machineFrame(ofPFN: pfn))
  }

  /// What `XEN_DOMCTL_getpageframeinfo3` reports for `frame`: RAM for a page of the guest's own memory, absent for a
  /// hole and for Xen's shared_info page (a Xen heap page, `is_special_page`), never broken.
  func kind(ofFrame frame: UInt64) -> GuestFrameKind {
    if hasPVStructures { return owns(frame) && frame != sharedInfoFrame ? .ram : .absent }
    if sharedInfoMapped, frame == Self.hvmSharedInfoGFN { return .absent }
    return ramPFN(ofGFN: frame) == nil ? .absent : .ram
  }

  /// `domain_get_maximum_gpfn`: for an HVM container the highest gfn of its physical map (the rings and the
  /// shared_info frame lie below the top of its RAM); for a PV domain `(shared_info.arch.max_pfn ?: 1) - 1`, a PFN
  /// the guest itself announces, not a machine frame.
  var maximumFrame: UInt64 {
    guard hasPVStructures else { return highestGFN }
    let maxPFN = page(sharedInfoFrame).withUnsafeBytes {
      GuestMemoryWord.load(from: $0, at: GuestLayout.sharedInfoMaxPFNOffset(width), width: width)
    }
    return (maxPFN == 0 ? 1 : maxPFN) - 1
  }

  /// The shared_info frame `XEN_DOMCTL_getdomaininfo` reports: a PV domain's machine frame; for an HVM container
  /// the gfn it is mapped at, `INVALID_M2P_ENTRY` (all ones) while it is not in the physical map.
  var reportedSharedInfoFrame: UInt64 {
    if hasPVStructures { return sharedInfoFrame }
    return sharedInfoMapped ? Self.hvmSharedInfoGFN : UInt64.max
  }

  /// The PFN (index of the page behind the physical map) at an HVM container's gfn, `nil` for a hole.
  private func ramPFN(ofGFN gfn: UInt64) -> UInt64? {
    var pfn = gfn
    if hasVGAHole, gfn >= Self.vgaHole.lowerBound {
      guard gfn >= Self.vgaHole.upperBound else { return nil }
      pfn -= UInt64(Self.vgaHole.count)
    }
    return pfn < pageCount ? pfn : nil
  }

  private var highestGFN: UInt64 {
    let hole = hasVGAHole && pageCount > Self.vgaHole.lowerBound ? UInt64(Self.vgaHole.count) : 0
    return pageCount + hole - 1
  }
}
