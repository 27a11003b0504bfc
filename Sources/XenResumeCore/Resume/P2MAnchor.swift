/// The p2m fields of a PV guest's shared_info (`arch.max_pfn` to `arch.p2m_generation`), read in one go.
struct P2MAnchor {
  /// `arch.max_pfn`: how many pseudo-physical frames the p2m describes.
  let maxPFN: UInt64
  /// `arch.pfn_to_mfn_frame_list_list`: the root of the three-level lists; all ones when the guest keeps none.
  let frameListListFrame: UInt64
  /// `arch.p2m_cr3`: the page-table root of the linear p2m in `cr3` format, 0 when there is none.
  let linearRoot: UInt64
  /// `arch.p2m_vaddr`: where the linear p2m starts in the guest's address space.
  let linearVirtualAddress: UInt64
  /// `arch.p2m_generation`: odd while the guest is changing its linear p2m.
  let generation: UInt64

  /// Reads the fields from the guest's shared_info page with one foreign read.
  init(frames: GuestFrameReader, sharedInfoFrame: UInt64) throws {
    let width = frames.width
    let start = GuestLayout.sharedInfoMaxPFNOffset(width)
    let end = GuestLayout.sharedInfoP2MGenerationOffset(width) + width.bytes
    let bytes = try frames.bytes(in: sharedInfoFrame, offset: start, count: end - start)
    func field(_ offset: Int) -> UInt64 {
      bytes.withUnsafeBytes { GuestMemoryWord.load(from: $0, at: offset - start, width: width) }
    }
    maxPFN = field(GuestLayout.sharedInfoMaxPFNOffset(width))
    frameListListFrame = field(GuestLayout.sharedInfoFrameListListOffset(width))
    linearRoot = field(GuestLayout.sharedInfoP2MRootOffset(width))
    linearVirtualAddress = field(GuestLayout.sharedInfoP2MVirtualAddressOffset(width))
    generation = field(GuestLayout.sharedInfoP2MGenerationOffset(width))
  }
}
