/// Translates a PV guest's pseudo-physical frames to machine frames through its own p2m, read through foreign
/// memory one entry at a time.
///
/// The guest publishes its p2m in shared_info in one of two ways, and the choice follows libxenguest's
/// (`xc_core_arch_map_p2m_rw`): a non-zero `arch.p2m_cr3` means a linear map in the guest's address space
/// (`LinearGuestPhysicalMap`), otherwise the three-level lists rooted at the frame-list-list are read
/// (`ThreeLevelGuestPhysicalMap`). Either way every entry is checked before a caller may write it anywhere: a
/// refusal leaves the guest exactly as it was.
struct GuestPhysicalMap {
  private enum Reader {
    case threeLevel(ThreeLevelGuestPhysicalMap)
    case linear(LinearGuestPhysicalMap)
  }

  private let frames: GuestFrameReader
  private let maxPFN: UInt64
  private let reader: Reader

  /// Reads the map's anchor from the guest's shared_info page and picks the reader for the layout it names.
  init(frames: GuestFrameReader, sharedInfoFrame: UInt64) throws {
    self.frames = frames
    let anchor = try P2MAnchor(frames: frames, sharedInfoFrame: sharedInfoFrame)
    maxPFN = anchor.maxPFN
    guard maxPFN > 0 else { throw frames.damaged("shared_info's max_pfn is 0: the guest describes no memory") }
    if anchor.linearRoot != 0 {
      reader = .linear(try LinearGuestPhysicalMap(frames: frames, anchor: anchor))
    } else {
      reader = .threeLevel(try ThreeLevelGuestPhysicalMap(frames: frames, anchor: anchor))
    }
  }

  /// The machine frame behind a guest pseudo-physical frame; throws unless the p2m names a real frame for it.
  func machineFrame(of pfn: UInt64) throws -> UInt64 {
    guard pfn < maxPFN else {
      throw frames.damaged("start_info names frame \(pfn), beyond the guest's max_pfn \(maxPFN)")
    }
    let entry =
      switch reader {
      case .threeLevel(let map): try map.entry(of: pfn)
      case .linear(let map): try map.entry(of: pfn)
      }
    if let problem = Self.entryProblem(entry, width: frames.width) {
      throw frames.damaged("the p2m entry of frame \(pfn) is \(GuestFrameReader.hex(entry)), \(problem)")
    }
    return entry
  }

  /// Why a p2m entry is no machine frame the guest owns, or `nil` when it may be one.
  ///
  /// Linux marks entries with the top bits of the guest's word: all ones is INVALID_P2M_ENTRY (a hole), the top
  /// bit FOREIGN_FRAME_BIT (another domain's page mapped in), the next IDENTITY_FRAME_BIT (a 1:1 region, not RAM).
  /// Writing any of them into start_info would hand the guest a frame that is not its ring.
  static func entryProblem(_ entry: UInt64, width: GuestWidth) -> String? {
    let bits = UInt64(width.bytes * 8)
    let invalid = bits == 64 ? UInt64.max : (1 << bits) - 1
    if entry == invalid { return "the invalid entry (the frame is not populated)" }
    if entry & (1 << (bits - 1)) != 0 { return "marked foreign (another domain's frame)" }
    if entry & (1 << (bits - 2)) != 0 { return "marked identity (a 1:1 mapped region, not RAM)" }
    return nil
  }
}
