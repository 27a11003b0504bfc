internal import CXen
@_spi(XenHostBackends) import XenResumeCore

/// The installed libxen-dev headers' own answers to the layout questions `GuestLayout` hard-codes.
///
/// The C compiler computes them (see `shim.h`) and the tests compare them with `GuestLayout` and with what the Swift
/// importer made of the same structs, so a header that moves a field fails a test instead of corrupting a guest.
enum HeaderLayout {
  /// `XC_PAGE_SIZE`.
  static let pageSize = Int(XC_PAGE_SIZE)
  /// `XC_PAGE_SHIFT`.
  static let pageShift = Int(XC_PAGE_SHIFT)
  /// `XC_PAGE_MASK`.
  static let pageMask = CXEN_PAGE_MASK

  /// `sizeof(vcpu_guest_context_any_t)` in C.
  static let vcpuContextAnySize = CXEN_VCPU_CONTEXT_ANY_SIZE
  /// The same union's size as the Swift importer lays it out: the buffer the backend hands to libxenctrl.
  static let importedVCPUContextAnySize = MemoryLayout<vcpu_guest_context_any_t>.size
  /// Offsets of the union's `x64` and `x32` members.
  static let vcpuContextAnyMemberOffsets = (bits64: CXEN_VCPU_CONTEXT_ANY_X64, bits32: CXEN_VCPU_CONTEXT_ANY_X32)

  /// `sizeof(vcpu_guest_context_x86_64/32_t)`.
  static func vcpuContextSize(_ width: GuestWidth) -> Int {
    width == .bits64 ? CXEN_VCPU_CONTEXT_X86_64_SIZE : CXEN_VCPU_CONTEXT_X86_32_SIZE
  }

  /// `offsetof(…, user_regs.rax)` / `user_regs.eax`.
  static func returnRegisterOffset(_ width: GuestWidth) -> Int {
    width == .bits64 ? CXEN_VCPU_CONTEXT_X86_64_RAX : CXEN_VCPU_CONTEXT_X86_32_EAX
  }

  /// `offsetof(…, user_regs.rdx)` / `user_regs.edx`.
  static func startInfoRegisterOffset(_ width: GuestWidth) -> Int {
    width == .bits64 ? CXEN_VCPU_CONTEXT_X86_64_RDX : CXEN_VCPU_CONTEXT_X86_32_EDX
  }

  /// `offsetof(start_info_x86_64/32_t, store_mfn)`.
  static func startInfoStoreFrameOffset(_ width: GuestWidth) -> Int {
    width == .bits64 ? CXEN_START_INFO_X86_64_STORE_MFN : CXEN_START_INFO_X86_32_STORE_MFN
  }

  /// `offsetof(start_info_x86_64/32_t, console.domU.mfn)`.
  static func startInfoConsoleFrameOffset(_ width: GuestWidth) -> Int {
    width == .bits64 ? CXEN_START_INFO_X86_64_CONSOLE_MFN : CXEN_START_INFO_X86_32_CONSOLE_MFN
  }

  /// `offsetof(shared_info_x86_64/32_t, arch.max_pfn)`.
  static func sharedInfoMaxPFNOffset(_ width: GuestWidth) -> Int {
    width == .bits64 ? CXEN_SHARED_INFO_X86_64_MAX_PFN : CXEN_SHARED_INFO_X86_32_MAX_PFN
  }

  /// `offsetof(shared_info_x86_64/32_t, arch.pfn_to_mfn_frame_list_list)`.
  static func sharedInfoFrameListListOffset(_ width: GuestWidth) -> Int {
    width == .bits64 ? CXEN_SHARED_INFO_X86_64_FRAME_LIST_LIST : CXEN_SHARED_INFO_X86_32_FRAME_LIST_LIST
  }

  /// `sizeof(struct xen_domctl)` in C, and as imported: `xc_domctl` copies exactly the C size.
  static let domctlSize = (c: CXEN_DOMCTL_SIZE, imported: MemoryLayout<xen_domctl>.size)
  /// Where the fields the backend fills for `XEN_DOMCTL_resumedomain` sit, in C and as imported.
  static let domctlCommandOffset = (c: CXEN_DOMCTL_CMD, imported: MemoryLayout<xen_domctl>.offset(of: \.cmd))
  /// See `domctlCommandOffset`.
  static let domctlDomainOffset = (c: CXEN_DOMCTL_DOMAIN, imported: MemoryLayout<xen_domctl>.offset(of: \.domain))
  /// `interface_version`, which `xc_domctl` fills in itself.
  static let domctlInterfaceVersionOffset = CXEN_DOMCTL_INTERFACE_VERSION
  /// `XEN_DOMCTL_resumedomain`.
  static let resumeDomainCommand = LibxenTypes.resumeDomainCommand

  /// `sizeof(xc_domaininfo_t)` in C and as imported: `xc_domain_getinfo_single` or `xc_domain_getinfolist` fills a
  /// buffer allocated in Swift.
  static let domainInfoSize = (c: CXEN_DOMAININFO_SIZE, imported: MemoryLayout<xc_domaininfo_t>.size)

  /// Where each `xc_domaininfo_t` field that `domainInfo(_:)` reads sits, in C and as imported, by C name.
  static let domainInfoFieldOffsets: [(field: String, c: Int, imported: Int?)] = [
    ("domain", CXEN_DOMAININFO_DOMAIN, MemoryLayout<xc_domaininfo_t>.offset(of: \.domain)),
    ("flags", CXEN_DOMAININFO_FLAGS, MemoryLayout<xc_domaininfo_t>.offset(of: \.flags)),
    ("tot_pages", CXEN_DOMAININFO_TOT_PAGES, MemoryLayout<xc_domaininfo_t>.offset(of: \.tot_pages)),
    (
      "shared_info_frame", CXEN_DOMAININFO_SHARED_INFO_FRAME,
      MemoryLayout<xc_domaininfo_t>.offset(of: \.shared_info_frame)
    ),
    ("cpu_time", CXEN_DOMAININFO_CPU_TIME, MemoryLayout<xc_domaininfo_t>.offset(of: \.cpu_time)),
    ("max_vcpu_id", CXEN_DOMAININFO_MAX_VCPU_ID, MemoryLayout<xc_domaininfo_t>.offset(of: \.max_vcpu_id)),
    ("handle", CXEN_DOMAININFO_HANDLE, MemoryLayout<xc_domaininfo_t>.offset(of: \.handle)),
    (
      "arch_config.emulation_flags", CXEN_DOMAININFO_EMULATION_FLAGS,
      MemoryLayout<xc_domaininfo_t>.offset(of: \.arch_config.emulation_flags)
    ),
  ]

  /// `sizeof(xen_domain_handle_t)`: the bytes `DomainHandle` is made of.
  static let domainHandleSize = MemoryLayout<xen_domain_handle_t>.size

  /// `sizeof(struct hvm_save_descriptor)`: the header of every record in an HVM context.
  static let hvmSaveDescriptorSize = CXEN_HVM_SAVE_DESCRIPTOR_SIZE
  /// `offsetof(struct hvm_hw_cpu, rax)` in C and as imported: where a `CPU` record holds a vcpu's return register.
  static let hvmCPUReturnRegisterOffset = (c: CXEN_HVM_HW_CPU_RAX, imported: MemoryLayout<hvm_hw_cpu>.offset(of: \.rax))
  /// `HVM_SAVE_CODE(END)`, `HVM_SAVE_CODE(HEADER)` and `HVM_SAVE_CODE(CPU)`: the record types an HVM context is read by.
  static let hvmSaveCodes = (
    end: CXEN_HVM_SAVE_CODE_END, header: CXEN_HVM_SAVE_CODE_HEADER, cpu: CXEN_HVM_SAVE_CODE_CPU
  )
  /// `HVM_FILE_MAGIC`, the first word of the `HEADER` record.
  static let hvmFileMagic = UInt32(HVM_FILE_MAGIC)

  /// `XEN_DOMCTL_PFINFO_LTAB_SHIFT`: where the type sits in a word `XEN_DOMCTL_getpageframeinfo3` writes back.
  static let pageFrameInfoTypeShift = Int(XEN_DOMCTL_PFINFO_LTAB_SHIFT)
  /// The `XEN_DOMCTL_PFINFO_*` type words `GuestFrameKind` decodes: RAM without a page-table type, a pinned L1 page
  /// table (a PV guest's RAM too), an invalid frame, a broken page.
  static let pageFrameInfoWords = (
    notab: XEN_DOMCTL_PFINFO_NOTAB, pinnedL1: XEN_DOMCTL_PFINFO_L1TAB | XEN_DOMCTL_PFINFO_LPINTAB,
    xtab: XEN_DOMCTL_PFINFO_XTAB, broken: XEN_DOMCTL_PFINFO_BROKEN
  )
}
