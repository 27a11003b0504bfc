/// Byte offsets inside the guest structures that the resume paths read and write, for both guest widths.
///
/// These mirror Xen 4.17's public headers (`xen/foreign/x86_32.h`, `x86_64.h`); the test suite compares every
/// value with the installed headers, so a header change fails a test instead of corrupting a guest.
@_spi(XenHostBackends) public enum GuestLayout {
  /// The size of a guest page (`XC_PAGE_SIZE`).
  public static let pageSize = 4096

  /// log2 of `pageSize` (`XC_PAGE_SHIFT`).
  public static let pageShift = 12

  /// The size of `vcpu_guest_context_any_t`, the buffer every vcpu context travels in.
  public static let vcpuContextSize = 5168

  /// The size of the vcpu context of one width.
  public static func vcpuContextSize(_ width: GuestWidth) -> Int {
    width == .bits64 ? 5168 : 2800
  }

  /// Offset of the return register (`user_regs.rax` / `eax`) in a vcpu context.
  public static func returnRegisterOffset(_ width: GuestWidth) -> Int {
    width == .bits64 ? 600 : 540
  }

  /// Offset of `user_regs.rdx` / `edx`: where a PV guest passes its start_info frame to `SCHEDOP_shutdown`.
  public static func startInfoRegisterOffset(_ width: GuestWidth) -> Int {
    width == .bits64 ? 616 : 524
  }

  /// Offset of `start_info.store_mfn` (the xenstore ring's frame).
  public static func startInfoStoreFrameOffset(_ width: GuestWidth) -> Int {
    width == .bits64 ? 56 : 44
  }

  /// Offset of `start_info.console.domU.mfn` (the console ring's frame).
  public static func startInfoConsoleFrameOffset(_ width: GuestWidth) -> Int {
    width == .bits64 ? 72 : 52
  }

  /// Offset of `shared_info.arch.max_pfn`.
  public static func sharedInfoMaxPFNOffset(_ width: GuestWidth) -> Int {
    width == .bits64 ? 3088 : 2316
  }

  /// Offset of `shared_info.arch.pfn_to_mfn_frame_list_list`: the root of the guest's three-level p2m lists.
  public static func sharedInfoFrameListListOffset(_ width: GuestWidth) -> Int {
    width == .bits64 ? 3096 : 2320
  }

  /// Offset of `shared_info.arch.p2m_cr3`: the page-table root under which the guest maps its linear p2m, in
  /// `cr3` format (0 when the guest publishes no linear p2m).
  public static func sharedInfoP2MRootOffset(_ width: GuestWidth) -> Int {
    width == .bits64 ? 3112 : 2328
  }

  /// Offset of `shared_info.arch.p2m_vaddr`: the guest-virtual address where the linear p2m starts.
  public static func sharedInfoP2MVirtualAddressOffset(_ width: GuestWidth) -> Int {
    width == .bits64 ? 3120 : 2332
  }

  /// Offset of `shared_info.arch.p2m_generation`: a count the guest bumps before and after changing its linear
  /// p2m, so it is odd while a change is under way.
  public static func sharedInfoP2MGenerationOffset(_ width: GuestWidth) -> Int {
    width == .bits64 ? 3128 : 2336
  }

  /// The size of `start_info.magic`, the NUL-padded string at offset 0 of start_info.
  public static let startInfoMagicSize = 32

  /// The magic a domain builder writes into a PV guest's start_info (libxenguest's guest type string).
  public static func startInfoMagic(_ width: GuestWidth) -> String {
    width == .bits64 ? "xen-3.0-x86_64" : "xen-3.0-x86_32p"
  }

  /// The size of one page-table entry. 32-bit PV guests are PAE guests, so their entries are 64-bit as well.
  public static let pageTableEntrySize = 8

  /// How many page-table entries one page-table page holds.
  public static let pageTableEntriesPerPage = pageSize / pageTableEntrySize

  /// How many levels of page tables translate a guest-virtual address: four for x86_64, three for PAE.
  public static func pageTableLevels(_ width: GuestWidth) -> Int {
    width == .bits64 ? 4 : 3
  }

  /// `_PAGE_PRESENT` in a page-table entry.
  public static let pageTablePresentBit: UInt64 = 1 << 0

  /// `_PAGE_PSE` in a page-table entry above the last level: the entry maps a large page, not a table.
  public static let pageTableLargePageBit: UInt64 = 1 << 7

  /// The bits of a page-table entry that hold the machine address of the page it points to (bits 12 to 51).
  public static let pageTableFrameMask: UInt64 = 0x000F_FFFF_FFFF_F000

  /// The guest-virtual addresses Xen reserves for itself in a PV guest of this width: no guest mapping lives there.
  public static func hypervisorVirtualRange(_ width: GuestWidth) -> ClosedRange<UInt64> {
    width == .bits64 ? 0xFFFF_8000_0000_0000...0xFFFF_87FF_FFFF_FFFF : 0xF580_0000...0xFFFF_FFFF
  }

  /// How many frame numbers one page of the p2m (or of a frame list) holds for a guest of this width.
  public static func framesPerPage(_ width: GuestWidth) -> Int {
    pageSize / width.bytes
  }
}
