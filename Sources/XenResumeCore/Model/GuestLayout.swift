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

  /// How many frame numbers one page of the p2m (or of a frame list) holds for a guest of this width.
  public static func framesPerPage(_ width: GuestWidth) -> Int {
    pageSize / width.bytes
  }
}
