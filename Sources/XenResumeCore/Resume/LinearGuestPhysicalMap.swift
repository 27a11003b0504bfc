/// The linear p2m: one array of machine frames, indexed by pseudo-physical frame, mapped at `arch.p2m_vaddr` in
/// the address space whose page-table root is `arch.p2m_cr3` (guests started with SIF_VIRT_P2M_4TOOLS, where
/// Linux keeps no frame lists).
///
/// A lookup walks the guest's page tables to the p2m page holding the entry, reading one entry per level (four
/// for x86_64, three for PAE): PV page tables hold machine frames, so each entry leads straight to the next
/// foreign read. The range checks are libxenguest's (`xc_core_arch_map_p2m_list_rw`); the walk is stricter than
/// its own: it also requires present entries and refuses large pages, which it does not expect either.
struct LinearGuestPhysicalMap {
  private let frames: GuestFrameReader
  private let rootFrame: UInt64
  private let virtualAddress: UInt64

  /// Checks the anchor: an even generation, a root frame, and an address range the guest can map.
  init(frames: GuestFrameReader, anchor: P2MAnchor) throws {
    self.frames = frames
    let width = frames.width
    // The guest bumps the count before and after each change; it cannot be odd in a guest stopped in its
    // suspend hypercall unless the map was left half-changed.
    guard anchor.generation % 2 == 0 else {
      throw frames.damaged(
        "the linear p2m's generation \(anchor.generation) is odd: the guest was changing it when it stopped")
    }
    rootFrame = Self.rootFrame(fromCR3: anchor.linearRoot, width: width)
    virtualAddress = anchor.linearVirtualAddress
    guard rootFrame != 0 else {
      throw frames.damaged("the linear p2m's p2m_cr3 \(GuestFrameReader.hex(anchor.linearRoot)) names frame 0")
    }

    let perPage = UInt64(GuestLayout.framesPerPage(width))
    let p2mPages = (anchor.maxPFN - 1) / perPage + 1
    let (size, sizeOverflow) = p2mPages.multipliedReportingOverflow(by: UInt64(GuestLayout.pageSize))
    let (end, endOverflow) = virtualAddress.addingReportingOverflow(size &- 1)
    let reserved = GuestLayout.hypervisorVirtualRange(width)
    let addressable =
      width == .bits64
      ? Self.isCanonical(virtualAddress) && Self.isCanonical(end) : end <= UInt64(UInt32.max)
    let overlapsXen = virtualAddress <= reserved.upperBound && end >= reserved.lowerBound
    guard !sizeOverflow, !endOverflow, addressable, !overlapsXen else {
      let range = sizeOverflow || endOverflow ? "past the end of the address space" : "to \(GuestFrameReader.hex(end))"
      throw frames.damaged(
        "the linear p2m from \(GuestFrameReader.hex(virtualAddress)) \(range) is not a range a \(width) PV guest "
          + "can map")
    }
  }

  /// The raw p2m entry of a frame below max_pfn.
  func entry(of pfn: UInt64) throws -> UInt64 {
    // No overflow: the range check in init covered every frame below max_pfn.
    let address = virtualAddress + pfn * UInt64(frames.width.bytes)
    var table = rootFrame
    for level in stride(from: GuestLayout.pageTableLevels(frames.width), through: 1, by: -1) {
      let shift = UInt64(GuestLayout.pageShift + 9 * (level - 1))
      let index = (address >> shift) % UInt64(GuestLayout.pageTableEntriesPerPage)
      let entry = try frames.pageTableEntry(in: table, index: index)
      table = try next(after: entry, level: level, address: address)
    }
    return try frames.word(in: table, byteOffset: address % UInt64(GuestLayout.pageSize))
  }

  /// The frame a page-table entry on the walk leads to, once it is known to be a present, small-page entry.
  private func next(after entry: UInt64, level: Int, address: UInt64) throws -> UInt64 {
    let place = "the level-\(level) page-table entry for p2m address \(GuestFrameReader.hex(address))"
    guard entry & GuestLayout.pageTablePresentBit != 0 else {
      throw frames.damaged("\(place) is not present (\(GuestFrameReader.hex(entry)))")
    }
    // At level 1 the same bit is PAT; above it, it means a large page, which the p2m never uses.
    if level > 1, entry & GuestLayout.pageTableLargePageBit != 0 {
      throw frames.unsupported("a linear p2m mapped with large pages (\(place) is \(GuestFrameReader.hex(entry)))")
    }
    let frame = (entry & GuestLayout.pageTableFrameMask) >> UInt64(GuestLayout.pageShift)
    guard frame != 0 else { throw frames.damaged("\(place) names frame 0 (\(GuestFrameReader.hex(entry)))") }
    return frame
  }

  /// The frame of the root table in a `cr3` value. 32-bit PV guests use Xen's extended `cr3` format, whose low
  /// twelve bits carry the frame's bits 20 and up, so that frames above 4 GiB fit in a 32-bit register.
  static func rootFrame(fromCR3 cr3: UInt64, width: GuestWidth) -> UInt64 {
    switch width {
    case .bits64: cr3 >> UInt64(GuestLayout.pageShift)
    case .bits32: UInt64(UInt32(truncatingIfNeeded: (cr3 >> 12) | (cr3 << 20)))
    }
  }

  /// Whether bits 47 to 63 of an x86_64 address are all equal.
  private static func isCanonical(_ address: UInt64) -> Bool {
    (Int64(bitPattern: address) >> 47) == (Int64(bitPattern: address) >> 63)
  }
}
