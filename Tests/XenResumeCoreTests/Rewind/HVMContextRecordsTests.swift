import Testing

@_spi(XenHostBackends) @testable import XenResumeCore

@Suite("HVM context records")
struct HVMContextRecordsTests {
  /// A context in Xen's save format: HEADER, one 1024-byte CPU record per vcpu with rax = `returnRegister` on
  /// vcpu 0, a two-byte record of another type, END.
  static func context(vcpus: Int, returnRegister: UInt64) -> [UInt8] {
    var bytes: [UInt8] = []
    func record(_ type: UInt16, _ instance: UInt16, _ data: [UInt8]) {
      bytes.appendLittleEndian(type, bytes: 2)
      bytes.appendLittleEndian(instance, bytes: 2)
      bytes.appendLittleEndian(UInt32(data.count), bytes: 4)
      bytes += data
    }
    var header: [UInt8] = []
    header.appendLittleEndian(HVMContextRecords.fileMagic, bytes: 4)
    header += [UInt8](repeating: 0, count: 20)
    record(HVMContextRecords.headerTypeCode, 0, header)
    for vcpu in 0..<vcpus {
      var cpu = [UInt8](repeating: 0xAA, count: 1024)
      let rax = vcpu == 0 ? returnRegister : 0x1234
      for index in 0..<8 { cpu[512 + index] = UInt8(truncatingIfNeeded: rax >> UInt64(8 * index)) }
      record(HVMContextRecords.cpuTypeCode, UInt16(vcpu), cpu)
    }
    record(4, 0, [1, 2])
    record(HVMContextRecords.endTypeCode, 0, [])
    return bytes
  }

  @Test("reads the records, the vcpus and vcpu 0's return register")
  func reads() throws {
    let blob = Self.context(vcpus: 2, returnRegister: 1)
    let records = try HVMContextRecords(blob)
    #expect(records.records.map(\.typeCode) == [1, 2, 2, 4, 0])
    #expect(records.vcpus == [0, 1])
    #expect(records.returnRegister(ofVCPU: 0, in: blob) == 1)
    #expect(records.returnRegister(ofVCPU: 1, in: blob) == 0x1234)
    #expect(records.returnRegister(ofVCPU: 2, in: blob) == nil)
  }

  @Test("setting vcpu 0's return register changes those eight bytes and nothing else")
  func setsReturnRegister() throws {
    let blob = Self.context(vcpus: 2, returnRegister: 1)
    let records = try HVMContextRecords(blob)
    let changed = records.settingReturnRegister(ofVCPU: 0, to: 0, in: blob)
    #expect(records.returnRegister(ofVCPU: 0, in: changed) == 0)
    let differing = zip(blob, changed).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
    let cpuData = records.records[1].dataOffset
    #expect(differing == [cpuData + 512])
  }

  @Test("a truncated blob, a blob without END or without HEADER's magic is malformed")
  func malformed() {
    let blob = Self.context(vcpus: 1, returnRegister: 0)
    #expect(throws: HVMContextRecords.Malformed.self) { try HVMContextRecords(Array(blob.dropLast(8))) }
    #expect(throws: HVMContextRecords.Malformed.self) { try HVMContextRecords(Array(blob.dropLast(20))) }
    var wrongMagic = blob
    wrongMagic[8] ^= 0xFF
    #expect(throws: HVMContextRecords.Malformed.self) { try HVMContextRecords(wrongMagic) }
    #expect(throws: HVMContextRecords.Malformed.self) { try HVMContextRecords([]) }
  }

  @Test("the frame kinds of the words XEN_DOMCTL_getpageframeinfo3 writes back")
  func frameKinds() {
    #expect(GuestFrameKind(pageFrameInfo: 0xF << 28) == .absent)
    #expect(GuestFrameKind(pageFrameInfo: 0xD << 28) == .broken)
    #expect(GuestFrameKind(pageFrameInfo: 0) == .ram)
    #expect(GuestFrameKind(pageFrameInfo: (1 << 31) | (1 << 28)) == .ram)
  }
}
