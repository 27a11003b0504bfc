/// Reads a PV guest's pseudo-physical-to-machine map (p2m) through foreign memory, one entry at a time.
///
/// The map hangs off shared_info: `arch.pfn_to_mfn_frame_list_list` is the frame of a page of frame-list frames,
/// each frame list is a page of p2m frames, and each p2m page holds one machine frame per guest page. Translating
/// the two frames a slow resume needs reads three words, instead of mapping the whole map as libxenguest does.
struct GuestPhysicalMap {
  let host: any XenHost
  let domain: DomainID
  let width: GuestWidth
  let maxPFN: UInt64
  let frameListListFrame: UInt64

  /// Reads the map's anchor from the guest's shared_info page.
  init(host: any XenHost, domain: DomainID, sharedInfoFrame: UInt64, width: GuestWidth) throws {
    self.host = host
    self.domain = domain
    self.width = width
    let offset = GuestLayout.sharedInfoMaxPFNOffset(width)
    let anchorEnd = GuestLayout.sharedInfoFrameListListOffset(width) + width.bytes
    let anchor = try host.readGuestMemory(
      of: domain, frame: sharedInfoFrame, offset: offset, count: anchorEnd - offset)
    (maxPFN, frameListListFrame) = anchor.withUnsafeBytes { bytes in
      (
        GuestMemoryWord.load(from: bytes, at: 0, width: width),
        GuestMemoryWord.load(
          from: bytes, at: GuestLayout.sharedInfoFrameListListOffset(width) - offset, width: width)
      )
    }
  }

  /// The machine frame behind a guest pseudo-physical frame.
  func machineFrame(of pfn: UInt64) throws -> UInt64 {
    guard pfn < maxPFN else {
      throw XenCallError(
        .readGuestMemory, domain: domain, errno: .invalidArgument,
        hint: "start_info names frame \(pfn), beyond the guest's max_pfn \(maxPFN)")
    }
    let perPage = UInt64(GuestLayout.framesPerPage(width))
    let frameList = try word(in: frameListListFrame, index: pfn / (perPage * perPage))
    let p2mPage = try word(in: frameList, index: (pfn / perPage) % perPage)
    return try word(in: p2mPage, index: pfn % perPage)
  }

  private func word(in frame: UInt64, index: UInt64) throws -> UInt64 {
    let bytes = try host.readGuestMemory(
      of: domain, frame: frame, offset: Int(index) * width.bytes, count: width.bytes)
    return bytes.withUnsafeBytes { GuestMemoryWord.load(from: $0, at: 0, width: width) }
  }
}
