import CXen
import XCTest
@_spi(XenHostBackends) import XenResumeCore

@testable import XenResumeLibxen

/// `GuestLayout` hard-codes offsets into guest structures; these tests hold every one of them against the installed
/// libxen-dev headers (computed by the C compiler in the shim) and against what the Swift importer made of the same
/// structs, so a header change fails here instead of corrupting a guest.
final class GuestLayoutTests: XCTestCase {
  func testPageGeometryMatchesLibxenctrl() {
    XCTAssertEqual(GuestLayout.pageSize, HeaderLayout.pageSize)
    XCTAssertEqual(GuestLayout.pageShift, HeaderLayout.pageShift)
    XCTAssertEqual(1 << GuestLayout.pageShift, GuestLayout.pageSize)
    XCTAssertEqual(HeaderLayout.pageMask, ~UInt64(GuestLayout.pageSize - 1))
  }

  func testVCPUContextSizesMatchTheHeaders() {
    XCTAssertEqual(GuestLayout.vcpuContextSize, HeaderLayout.vcpuContextAnySize)
    XCTAssertEqual(GuestLayout.vcpuContextSize, HeaderLayout.importedVCPUContextAnySize)
    for width in GuestWidth.allCases {
      XCTAssertEqual(GuestLayout.vcpuContextSize(width), HeaderLayout.vcpuContextSize(width), "\(width)")
      XCTAssertLessThanOrEqual(GuestLayout.vcpuContextSize(width), GuestLayout.vcpuContextSize, "\(width)")
    }
    XCTAssertEqual(HeaderLayout.vcpuContextAnyMemberOffsets.bits64, 0)
    XCTAssertEqual(HeaderLayout.vcpuContextAnyMemberOffsets.bits32, 0)
  }

  func testRegisterOffsetsMatchTheHeaders() {
    for width in GuestWidth.allCases {
      XCTAssertEqual(GuestLayout.returnRegisterOffset(width), HeaderLayout.returnRegisterOffset(width), "\(width)")
      XCTAssertEqual(
        GuestLayout.startInfoRegisterOffset(width), HeaderLayout.startInfoRegisterOffset(width), "\(width)")
    }
  }

  func testStartInfoOffsetsMatchTheHeaders() {
    for width in GuestWidth.allCases {
      XCTAssertEqual(
        GuestLayout.startInfoStoreFrameOffset(width), HeaderLayout.startInfoStoreFrameOffset(width), "\(width)")
      XCTAssertEqual(
        GuestLayout.startInfoConsoleFrameOffset(width), HeaderLayout.startInfoConsoleFrameOffset(width), "\(width)")
    }
  }

  func testSharedInfoOffsetsMatchTheHeaders() {
    for width in GuestWidth.allCases {
      XCTAssertEqual(GuestLayout.sharedInfoMaxPFNOffset(width), HeaderLayout.sharedInfoMaxPFNOffset(width), "\(width)")
      XCTAssertEqual(
        GuestLayout.sharedInfoFrameListListOffset(width), HeaderLayout.sharedInfoFrameListListOffset(width),
        "\(width)")
    }
  }

  /// The linear p2m's anchor, held against the Swift importer's layout of the installed headers' structs (it uses
  /// the C compiler's record layout); the existing C-computed offsets pin the importer to the headers.
  func testLinearP2MSharedInfoOffsetsMatchTheHeaders() {
    XCTAssertEqual(
      MemoryLayout<shared_info_x86_64_t>.offset(of: \.arch.max_pfn), HeaderLayout.sharedInfoMaxPFNOffset(.bits64))
    XCTAssertEqual(
      MemoryLayout<shared_info_x86_32_t>.offset(of: \.arch.max_pfn), HeaderLayout.sharedInfoMaxPFNOffset(.bits32))
    XCTAssertEqual(
      GuestLayout.sharedInfoP2MRootOffset(.bits64), MemoryLayout<shared_info_x86_64_t>.offset(of: \.arch.p2m_cr3))
    XCTAssertEqual(
      GuestLayout.sharedInfoP2MRootOffset(.bits32), MemoryLayout<shared_info_x86_32_t>.offset(of: \.arch.p2m_cr3))
    XCTAssertEqual(
      GuestLayout.sharedInfoP2MVirtualAddressOffset(.bits64),
      MemoryLayout<shared_info_x86_64_t>.offset(of: \.arch.p2m_vaddr))
    XCTAssertEqual(
      GuestLayout.sharedInfoP2MVirtualAddressOffset(.bits32),
      MemoryLayout<shared_info_x86_32_t>.offset(of: \.arch.p2m_vaddr))
    XCTAssertEqual(
      GuestLayout.sharedInfoP2MGenerationOffset(.bits64),
      MemoryLayout<shared_info_x86_64_t>.offset(of: \.arch.p2m_generation))
    XCTAssertEqual(
      GuestLayout.sharedInfoP2MGenerationOffset(.bits32),
      MemoryLayout<shared_info_x86_32_t>.offset(of: \.arch.p2m_generation))
    // The anchor is read as guest-width words.
    XCTAssertEqual(MemoryLayout.size(ofValue: shared_info_x86_64_t().arch.p2m_generation), GuestWidth.bits64.bytes)
    XCTAssertEqual(MemoryLayout.size(ofValue: shared_info_x86_32_t().arch.p2m_generation), GuestWidth.bits32.bytes)
  }

  func testStartInfoMagicIsAtOffsetZeroAndFitsTheField() {
    XCTAssertEqual(MemoryLayout<start_info_x86_64_t>.offset(of: \.magic), 0)
    XCTAssertEqual(MemoryLayout<start_info_x86_32_t>.offset(of: \.magic), 0)
    XCTAssertEqual(MemoryLayout.size(ofValue: start_info_x86_64_t().magic), GuestLayout.startInfoMagicSize)
    XCTAssertEqual(MemoryLayout.size(ofValue: start_info_x86_32_t().magic), GuestLayout.startInfoMagicSize)
    for width in GuestWidth.allCases {
      // Shorter than the field, so the builder's string is NUL-terminated and the rest is padding.
      XCTAssertLessThan(GuestLayout.startInfoMagic(width).utf8.count, GuestLayout.startInfoMagicSize, "\(width)")
    }
  }

  func testXensReservedVirtualRangeMatchesTheHeaders() {
    // xen-x86_64.h gives the end exclusively. xen-x86_32.h (__HYPERVISOR_VIRT_START_PAE) is not included in a
    // 64-bit build, so the 32-bit range has no header to be checked against here.
    XCTAssertEqual(GuestLayout.hypervisorVirtualRange(.bits64).lowerBound, UInt64(__HYPERVISOR_VIRT_START))
    XCTAssertEqual(GuestLayout.hypervisorVirtualRange(.bits64).upperBound, UInt64(__HYPERVISOR_VIRT_END) - 1)
  }

  func testFramesPerPageFollowTheWidth() {
    XCTAssertEqual(GuestLayout.framesPerPage(.bits64), 512)
    XCTAssertEqual(GuestLayout.framesPerPage(.bits32), 1024)
  }

  func testTheResumeDomctlIsLaidOutAsTheBackendFillsIt() {
    XCTAssertEqual(HeaderLayout.domctlSize.c, 144)
    XCTAssertEqual(HeaderLayout.domctlSize.imported, HeaderLayout.domctlSize.c)
    XCTAssertEqual(HeaderLayout.domctlCommandOffset.c, 0)
    XCTAssertEqual(HeaderLayout.domctlCommandOffset.imported, HeaderLayout.domctlCommandOffset.c)
    XCTAssertEqual(HeaderLayout.domctlInterfaceVersionOffset, 4)
    XCTAssertEqual(HeaderLayout.domctlDomainOffset.c, 8)
    XCTAssertEqual(HeaderLayout.domctlDomainOffset.imported, HeaderLayout.domctlDomainOffset.c)
    XCTAssertEqual(HeaderLayout.resumeDomainCommand, 27)
    XCTAssertEqual(HeaderLayout.domainInfoSize.imported, HeaderLayout.domainInfoSize.c)
  }

  /// libxenctrl writes the struct with C's layout and the backend reads it through the importer's: every field it reads
  /// must sit at the same offset in both, and the handle must be the 16 bytes `DomainHandle` holds.
  func testTheDomainInfoFieldsTheBackendReadsAreWhereLibxenctrlWritesThem() {
    XCTAssertEqual(HeaderLayout.domainInfoFieldOffsets.count, 8)
    for (field, c, imported) in HeaderLayout.domainInfoFieldOffsets {
      XCTAssertEqual(imported, c, field)
      XCTAssertLessThan(c, HeaderLayout.domainInfoSize.c, field)
    }
    XCTAssertEqual(HeaderLayout.domainHandleSize, DomainHandle.zero.bytes.count)
  }

  /// The model's Xen numbers, which the backend passes to and from libxenctrl unconverted, are the installed headers'.
  func testTheModelsXenConstantsAreTheHeaders() {
    let flags: [(DomainInfo.Flags, Int32)] = [
      (.dying, _XEN_DOMINF_dying), (.hvmGuest, _XEN_DOMINF_hvm_guest), (.shutdown, _XEN_DOMINF_shutdown),
      (.paused, _XEN_DOMINF_paused), (.blocked, _XEN_DOMINF_blocked), (.running, _XEN_DOMINF_running),
      (.debugged, _XEN_DOMINF_debugged),
    ]
    for (flag, bit) in flags { XCTAssertEqual(flag.rawValue, UInt32(1) << UInt32(bit), "\(flag)") }
    XCTAssertEqual(DomainInfo.Flags.shutdownReasonShift, UInt32(XEN_DOMINF_shutdownshift))
    XCTAssertEqual(DomainInfo.Flags.shutdownReasonMask, UInt32(XEN_DOMINF_shutdownmask))
    XCTAssertEqual(DomainInfo.emulationFlagLocalAPIC, UInt32(1) << UInt32(_XEN_X86_EMU_LAPIC))

    let reasons: [(ShutdownReason, Int32)] = [
      (.poweroff, SHUTDOWN_poweroff), (.reboot, SHUTDOWN_reboot), (.suspend, SHUTDOWN_suspend),
      (.crash, SHUTDOWN_crash), (.watchdog, SHUTDOWN_watchdog), (.softReset, SHUTDOWN_soft_reset),
    ]
    XCTAssertEqual(reasons.count, ShutdownReason.allCases.count)
    for (reason, value) in reasons { XCTAssertEqual(reason.rawValue, UInt32(value), "\(reason)") }

    XCTAssertEqual(HVMParameter.callbackIRQ.rawValue, UInt32(HVM_PARAM_CALLBACK_IRQ))
    XCTAssertEqual(HVMParameter.acpiSleepState.rawValue, UInt32(HVM_PARAM_ACPI_S_STATE))
  }

  /// Registers written through the C field names come out of `VCPUContext`'s accessors, and the other way round,
  /// for both widths: the model's byte offsets are the header's, and nothing else in the context moves.
  func testVCPUContextAccessorsReadAndWriteTheHeadersRegisters() {
    for width in GuestWidth.allCases {
      let returned: UInt64 = width == .bits64 ? 0x1122_3344_5566_7788 : 0x5566_7788
      let startInfo: UInt64 = width == .bits64 ? 0x0000_0012_3456_7000 : 0x0345_6000

      var header = VCPUContextBuffer()
      header.setReturnRegister(returned, width: width)
      header.setStartInfoRegister(startInfo, width: width)
      let decoded = header.context(width: width)
      XCTAssertEqual(decoded.returnRegister, returned, "\(width)")
      XCTAssertEqual(decoded.startInfoFrame, startInfo, "\(width)")

      var model = VCPUContext(zeroedFor: width)
      model.returnRegister = 1
      model.startInfoFrame = startInfo
      let encoded = VCPUContextBuffer(model)
      let headerReturn = width == .bits64 ? encoded.returnRegister.bits64 : encoded.returnRegister.bits32
      let headerStartInfo = width == .bits64 ? encoded.startInfoRegister.bits64 : encoded.startInfoRegister.bits32
      XCTAssertEqual(headerReturn, 1, "\(width)")
      XCTAssertEqual(headerStartInfo, startInfo, "\(width)")

      var untouched = model
      untouched.returnRegister = 0
      untouched.startInfoFrame = 0
      XCTAssertEqual(untouched, VCPUContext(zeroedFor: width), "\(width): only the two registers changed")
      XCTAssertEqual(encoded.context(width: width), model, "\(width): bytes survive the trip through the union")
    }
  }

  func testA32BitReturnRegisterKeepsTheLow32Bits() {
    var model = VCPUContext(zeroedFor: .bits32)
    model.returnRegister = 0x1_0000_0001
    XCTAssertEqual(VCPUContextBuffer(model).returnRegister.bits32, 1)
  }
}
