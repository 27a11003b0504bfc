/// The three-level p2m lists rooted at `shared_info.arch.pfn_to_mfn_frame_list_list`: a page of frame-list frames,
/// each frame list a page of p2m frames, each p2m page one machine frame per guest page. One lookup reads three
/// words, where libxenguest maps the whole map.
struct ThreeLevelGuestPhysicalMap {
  private let frames: GuestFrameReader
  private let frameListListFrame: UInt64

  /// Checks that the guest keeps the lists at all.
  init(frames: GuestFrameReader, anchor: P2MAnchor) throws {
    self.frames = frames
    frameListListFrame = anchor.frameListListFrame
    // A guest that has only a linear p2m writes all ones here; without `p2m_cr3` there is nothing to read.
    if let problem = GuestPhysicalMap.entryProblem(frameListListFrame, width: frames.width) {
      throw frames.damaged(
        "the guest publishes no linear p2m (p2m_cr3 is 0) and its p2m frame-list-list is "
          + "\(GuestFrameReader.hex(frameListListFrame)), \(problem)")
    }
  }

  /// The raw p2m entry of a frame below max_pfn.
  func entry(of pfn: UInt64) throws -> UInt64 {
    let perPage = UInt64(GuestLayout.framesPerPage(frames.width))
    let frameList = try link(in: frameListListFrame, index: pfn / (perPage * perPage), pfn: pfn, what: "frame list")
    let p2mPage = try link(in: frameList, index: (pfn / perPage) % perPage, pfn: pfn, what: "p2m page")
    return try frames.word(in: p2mPage, index: pfn % perPage)
  }

  /// A frame number on the way down, checked before it is followed.
  private func link(in frame: UInt64, index: UInt64, pfn: UInt64, what: String) throws -> UInt64 {
    let next = try frames.word(in: frame, index: index)
    if let problem = GuestPhysicalMap.entryProblem(next, width: frames.width) {
      throw frames.damaged("the \(what) for frame \(pfn) is \(GuestFrameReader.hex(next)), \(problem)")
    }
    return next
  }
}
