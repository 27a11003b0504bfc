@_spi(XenHostBackends) @testable import XenResumeCore

/// The `guest-memory` target's seeds: healthy guests of both widths with either p2m layout, which the reading
/// accepts (`FuzzInputsTests` checks that), so that the fuzzer starts from inputs that reach every level of both
/// walks and mutates from there into every way of being wrong.
///
/// Each puts start_info in frame 5 with the xenstore ring at guest frame 5 and the console at guest frame 6, which
/// the p2m maps to machine frames 9 and 10.
public enum GuestMemorySeeds {
  /// The machine frames the seeds' p2m gives the two rings.
  public static let expectedStoreMFN: UInt64 = 9
  /// See `expectedStoreMFN`.
  public static let expectedConsoleMFN: UInt64 = 10
  /// start_info's frame in every seed.
  public static let startInfoFrame: UInt64 = 5

  /// Every seed, by the name its corpus file has.
  public static var all: [(name: String, input: GuestMemoryInput)] {
    [GuestWidth.bits64, .bits32].flatMap { width in
      [
        ("three-level-\(width.bytes * 8)", threeLevel(width)),
        ("linear-\(width.bytes * 8)", linear(width)),
      ]
    }
  }

  /// The three-level lists: frame-list-list in frame 2, one frame list in frame 3, one p2m page in frame 4.
  static func threeLevel(_ width: GuestWidth) -> GuestMemoryInput {
    var writes = sharedInfo(width, frameListList: 2, linearRoot: 0, linearAddress: 0)
    writes.append(.init(frame: 2, wordIndex: 0, value: 3))
    writes.append(.init(frame: 3, wordIndex: 0, value: 4))
    writes += p2mPage(4)
    writes += startInfo(width)
    return GuestMemoryInput(width: width, startInfoRegister: startInfoFrame, writes: writes)
  }

  /// The linear map: page tables from frame 2 down (four levels for 64-bit, three for PAE), the p2m page in
  /// frame 4, at an address inside the guest's part of the address space.
  static func linear(_ width: GuestWidth) -> GuestMemoryInput {
    let address: UInt64 = width == .bits64 ? 0x0000_7F00_0000_0000 : 0x4000_0000
    // cr3 holds the root frame shifted by a page in both formats while the frame is below 2^20.
    var writes = sharedInfo(width, frameListList: invalidEntry(width), linearRoot: 2 << 12, linearAddress: address)
    let levels = GuestLayout.pageTableLevels(width)
    // Tables in frames 2, 3, (11, 12): each level's entry names the next table; the last names the p2m page.
    let tables: [UInt64] = levels == 4 ? [2, 3, 11, 12] : [2, 3, 11]
    for (level, table) in zip(stride(from: levels, through: 1, by: -1), tables) {
      let shift = UInt64(GuestLayout.pageShift + 9 * (level - 1))
      let index = Int((address >> shift) % UInt64(GuestLayout.pageTableEntriesPerPage))
      let next = level == 1 ? 4 : tables[tables.firstIndex(of: table)! + 1]
      writes += pageTableEntry(width, in: table, index: index, value: next << 12 | GuestLayout.pageTablePresentBit)
    }
    writes += p2mPage(4)
    writes += startInfo(width)
    return GuestMemoryInput(width: width, startInfoRegister: startInfoFrame, writes: writes)
  }

  private static func sharedInfo(
    _ width: GuestWidth, frameListList: UInt64, linearRoot: UInt64, linearAddress: UInt64
  ) -> [GuestMemoryInput.Write] {
    func field(_ offset: Int, _ value: UInt64) -> GuestMemoryInput.Write {
      .init(frame: GuestMemoryInput.sharedInfoFrame, wordIndex: offset / width.bytes, value: value)
    }
    return [
      field(GuestLayout.sharedInfoMaxPFNOffset(width), 16),
      field(GuestLayout.sharedInfoFrameListListOffset(width), frameListList),
      field(GuestLayout.sharedInfoP2MRootOffset(width), linearRoot),
      field(GuestLayout.sharedInfoP2MVirtualAddressOffset(width), linearAddress),
      field(GuestLayout.sharedInfoP2MGenerationOffset(width), 2),
    ]
  }

  /// A p2m page mapping guest frame n to machine frame n + 4, so the rings' 5 and 6 become 9 and 10.
  private static func p2mPage(_ frame: UInt64) -> [GuestMemoryInput.Write] {
    (0..<16).map { .init(frame: frame, wordIndex: $0, value: UInt64($0) + 4) }
  }

  private static func startInfo(_ width: GuestWidth) -> [GuestMemoryInput.Write] {
    let magic = Array(GuestLayout.startInfoMagic(width).utf8)
    var writes: [GuestMemoryInput.Write] = stride(from: 0, to: magic.count, by: width.bytes).map { start in
      let word = magic[start..<min(start + width.bytes, magic.count)].enumerated().reduce(UInt64(0)) {
        $0 | UInt64($1.element) << UInt64(8 * $1.offset)
      }
      return .init(frame: startInfoFrame, wordIndex: start / width.bytes, value: word)
    }
    writes.append(
      .init(frame: startInfoFrame, wordIndex: GuestLayout.startInfoStoreFrameOffset(width) / width.bytes, value: 5))
    writes.append(
      .init(frame: startInfoFrame, wordIndex: GuestLayout.startInfoConsoleFrameOffset(width) / width.bytes, value: 6))
    return writes
  }

  /// A 64-bit page-table entry, as one word (64-bit guests) or two (PAE guests).
  private static func pageTableEntry(
    _ width: GuestWidth, in frame: UInt64, index: Int, value: UInt64
  ) -> [GuestMemoryInput.Write] {
    guard width == .bits32 else { return [.init(frame: frame, wordIndex: index, value: value)] }
    return [
      .init(frame: frame, wordIndex: index * 2, value: value & 0xFFFF_FFFF),
      .init(frame: frame, wordIndex: index * 2 + 1, value: value >> 32),
    ]
  }

  private static func invalidEntry(_ width: GuestWidth) -> UInt64 {
    width == .bits64 ? UInt64.max : 0xFFFF_FFFF
  }
}
