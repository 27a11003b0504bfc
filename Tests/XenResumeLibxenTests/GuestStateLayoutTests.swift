import CXen
import XCTest
@_spi(XenHostBackends) import XenResumeCore

@testable import XenResumeLibxen

/// A capture and a rewind read Xen's HVM save format and `XEN_DOMCTL_getpageframeinfo3`'s words with numbers the
/// model hard-codes (`HVMContextRecords`, `GuestFrameKind`, `HVMParameter`); these tests hold each against the
/// installed libxen-dev headers, so a header change fails here instead of a rewind loading a corrupt context.
final class GuestStateLayoutTests: XCTestCase {
  func testTheHVMContextRecordNumbersAreTheHeaders() {
    XCTAssertEqual(HVMContextRecords.descriptorSize, HeaderLayout.hvmSaveDescriptorSize)
    XCTAssertEqual(HVMContextRecords.descriptorSize, MemoryLayout<hvm_save_descriptor>.size)
    XCTAssertEqual(HVMContextRecords.cpuReturnRegisterOffset, HeaderLayout.hvmCPUReturnRegisterOffset.c)
    XCTAssertEqual(HeaderLayout.hvmCPUReturnRegisterOffset.imported, HeaderLayout.hvmCPUReturnRegisterOffset.c)
    XCTAssertEqual(Int(HVMContextRecords.endTypeCode), HeaderLayout.hvmSaveCodes.end)
    XCTAssertEqual(Int(HVMContextRecords.headerTypeCode), HeaderLayout.hvmSaveCodes.header)
    XCTAssertEqual(Int(HVMContextRecords.cpuTypeCode), HeaderLayout.hvmSaveCodes.cpu)
    XCTAssertEqual(HVMContextRecords.fileMagic, HeaderLayout.hvmFileMagic)
  }

  /// `HVMContextRecords` reads a descriptor as typecode, instance and length at bytes 0, 2 and 4.
  func testTheDescriptorIsLaidOutAsTheRecordsReadIt() {
    XCTAssertEqual(MemoryLayout<hvm_save_descriptor>.offset(of: \.typecode), 0)
    XCTAssertEqual(MemoryLayout<hvm_save_descriptor>.offset(of: \.instance), 2)
    XCTAssertEqual(MemoryLayout<hvm_save_descriptor>.offset(of: \.length), 4)
    XCTAssertEqual(MemoryLayout<hvm_save_header>.offset(of: \.magic), 0)
  }

  /// A context assembled from the headers' own structs, as Xen's `hvm_save` lays it out, reads back through the
  /// model: its records, vcpu 0's `rax`, and a changed `rax` landing in the struct's field.
  func testAContextBuiltFromTheHeadersStructsReadsBack() throws {
    var header = hvm_save_header()
    header.magic = UInt32(HVM_FILE_MAGIC)
    header.version = UInt32(HVM_FILE_VERSION)
    var cpu = hvm_hw_cpu()
    cpu.rax = 0x1122_3344_5566_7788
    cpu.rip = 0xFFFF_FFFF_8100_0000

    var context: [UInt8] = []
    func append(_ typeCode: Int, _ data: [UInt8]) {
      let descriptor = hvm_save_descriptor(typecode: UInt16(typeCode), instance: 0, length: UInt32(data.count))
      withUnsafeBytes(of: descriptor) { context += $0 }
      context += data
    }
    append(HeaderLayout.hvmSaveCodes.header, withUnsafeBytes(of: header) { Array($0) })
    append(HeaderLayout.hvmSaveCodes.cpu, withUnsafeBytes(of: cpu) { Array($0) })
    append(HeaderLayout.hvmSaveCodes.end, [])

    let records = try HVMContextRecords(context)
    XCTAssertEqual(records.records.map(\.typeCode), [1, 2, 0])
    XCTAssertEqual(records.vcpus, [0])
    XCTAssertEqual(records.records[1].length, MemoryLayout<hvm_hw_cpu>.size)
    XCTAssertEqual(records.returnRegister(ofVCPU: 0, in: context), cpu.rax)

    let rewritten = records.settingReturnRegister(ofVCPU: 0, to: 0, in: context)
    let cpuData = records.records[1].dataOffset
    let decoded = rewritten[cpuData..<(cpuData + MemoryLayout<hvm_hw_cpu>.size)].withUnsafeBytes {
      $0.loadUnaligned(as: hvm_hw_cpu.self)
    }
    XCTAssertEqual(decoded.rax, 0)
    XCTAssertEqual(decoded.rip, cpu.rip, "only rax changed")
  }

  func testPageFrameInfoWordsDecodeAsTheHeadersDefineThem() {
    XCTAssertEqual(GuestFrameKind.typeShift, HeaderLayout.pageFrameInfoTypeShift)
    let words = HeaderLayout.pageFrameInfoWords
    XCTAssertEqual(GuestFrameKind(pageFrameInfo: UInt64(words.xtab)), .absent)
    XCTAssertEqual(GuestFrameKind(pageFrameInfo: UInt64(words.broken)), .broken)
    XCTAssertEqual(GuestFrameKind(pageFrameInfo: UInt64(words.notab)), .ram)
    XCTAssertEqual(GuestFrameKind(pageFrameInfo: UInt64(words.pinnedL1)), .ram)
    // Each type is the top nibble of the low 32 bits, whatever lies below it.
    for word in [words.xtab, words.broken, words.notab, words.pinnedL1] {
      XCTAssertEqual(word & ~UInt32(0xF << GuestFrameKind.typeShift), 0, String(word, radix: 16))
      XCTAssertEqual(
        GuestFrameKind(pageFrameInfo: UInt64(word) | 0x1234), GuestFrameKind(pageFrameInfo: UInt64(word)),
        String(word, radix: 16))
    }
    XCTAssertEqual(GuestFrameKind.batchLimit, 1024)
  }

  /// The parameters that name guest pages (`specialPages`) and the two ports beside them are the headers'
  /// `HVM_PARAM_*` indices.
  func testTheSpecialPageParametersAreTheHeaders() {
    let pages: [(HVMParameter, Int32)] = [
      (.storeFrame, HVM_PARAM_STORE_PFN), (.consoleFrame, HVM_PARAM_CONSOLE_PFN),
      (.ioRequestFrame, HVM_PARAM_IOREQ_PFN), (.bufferedIORequestFrame, HVM_PARAM_BUFIOREQ_PFN),
      (.identityPageTable, HVM_PARAM_IDENT_PT), (.pagingRingFrame, HVM_PARAM_PAGING_RING_PFN),
      (.monitorRingFrame, HVM_PARAM_MONITOR_RING_PFN), (.sharingRingFrame, HVM_PARAM_SHARING_RING_PFN),
    ]
    for (parameter, index) in pages { XCTAssertEqual(parameter.rawValue, UInt32(index), "\(parameter)") }
    XCTAssertEqual(HVMParameter.specialPages, pages.map(\.0))
    XCTAssertEqual(HVMParameter.storeEventChannel.rawValue, UInt32(HVM_PARAM_STORE_EVTCHN))
    XCTAssertEqual(HVMParameter.consoleEventChannel.rawValue, UInt32(HVM_PARAM_CONSOLE_EVTCHN))
  }
}
