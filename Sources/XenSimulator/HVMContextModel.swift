import SystemPackage
@_spi(XenHostBackends) import XenResumeCore

/// An HVM container's context in Xen's save format (`xen/include/public/arch-x86/hvm/save.h`), as the simulator
/// writes it (`XEN_DOMCTL_gethvmcontext`) and reads it back (`XEN_DOMCTL_sethvmcontext`, `hvm_load`).
///
/// A context is the HEADER record (`struct hvm_save_header`), one CPU record (`struct hvm_hw_cpu`, 1032 bytes) for
/// each vcpu that is up, in vcpu order (Xen saves nothing for a vcpu that is down), and the END record. The
/// simulator models no emulated device, so it writes no other record and ignores those it is given.
///
/// A CPU record is the vcpu's model (`SimulatedVCPU`) written out: `rax` its return register, `rdx` its start_info
/// register, `rip` and `rsp` what its seed gives them (as `vcpuContext` shows them), every other general register,
/// the FXSAVE area's vector registers and the TSC derived from the seed too, and the control, segment and MSR
/// state of a 64-bit Linux kernel. Reading one back takes the seed from `rip`; a record that is not exactly what
/// that seed gives is registers the guest's code never held (`CPULoad.isModelled`).
enum HVMContextModel {
  /// `HVM_FILE_VERSION`: 1 from Xen 4.17 to 4.20 (and since 2007).
  static let fileVersion: UInt32 = 1
  /// `sizeof(struct hvm_save_header)`: magic, version, changeset, cpuid, gtsc_khz.
  static let headerSize = 24
  /// `sizeof(struct hvm_hw_cpu)`.
  static let cpuRecordSize = 1032
  /// `HVM_SAVE_CODE_MAX`: every typecode from CPU to it has a load handler; HEADER has none.
  static let highestTypeCode: UInt16 = 20
  /// CPUID leaf 1's eax on the simulated host, as the HEADER records it.
  static let hostCPUID: UInt32 = 0x000A_0655
  /// The guest's TSC frequency in kHz, as the HEADER records it.
  static let guestTSCKilohertz: UInt32 = 2_995_200

  /// Offsets in `struct hvm_hw_cpu`.
  enum CPUField {
    static let rax = HVMContextRecords.cpuReturnRegisterOffset
    static let rdx = 536
    static let rsp = 568
    static let rip = 640
    static let cr0 = 656
    static let pad0 = 1028
  }

  /// `X86_CR0_ET`, `X86_CR0_PE` and `X86_CR0_PG`: `hvm_load_cpu_ctxt` refuses a cr0 without ET, or with PG but not
  /// PE.
  private static let cr0ExtensionType: UInt64 = 1 << 4
  private static let cr0ProtectionEnable: UInt64 = 1 << 0
  private static let cr0Paging: UInt64 = 1 << 31

  // MARK: Writing

  /// The context of a domain whose vcpus are `vcpus`.
  static func context(of vcpus: [SimulatedVCPU]) -> [UInt8] {
    var header = [UInt8](repeating: 0, count: headerSize)
    header.withUnsafeMutableBytes { buffer in
      buffer.storeBytes(of: HVMContextRecords.fileMagic.littleEndian, toByteOffset: 0, as: UInt32.self)
      buffer.storeBytes(of: fileVersion.littleEndian, toByteOffset: 4, as: UInt32.self)
      buffer.storeBytes(of: hostCPUID.littleEndian, toByteOffset: 16, as: UInt32.self)
      buffer.storeBytes(of: guestTSCKilohertz.littleEndian, toByteOffset: 20, as: UInt32.self)
    }
    var context = record(HVMContextRecords.headerTypeCode, instance: 0, data: header)
    for (index, vcpu) in vcpus.enumerated() where vcpu.isInitialised {
      context += record(HVMContextRecords.cpuTypeCode, instance: UInt16(index), data: cpuRecord(of: vcpu))
    }
    return context + record(HVMContextRecords.endTypeCode, instance: 0, data: [])
  }

  /// `struct hvm_hw_cpu` for a vcpu's model.
  static func cpuRecord(of vcpu: SimulatedVCPU) -> [UInt8] {
    let seed = vcpu.registerSeed
    func derived(_ index: UInt64) -> UInt64 { SimulatedVCPU.scramble(seed &+ index) }
    var words: [(offset: Int, value: UInt64)] = [
      (CPUField.rax, vcpu.returnRegister), (520, derived(4)), (528, derived(5)), (CPUField.rdx, vcpu.startInfoRegister),
      (544, derived(6)), (552, derived(7)), (560, derived(8)), (CPUField.rsp, vcpu.stackPointer),
      (CPUField.rip, vcpu.instructionPointer),
      // rflags (IF), cr0 (PG, AM, WP, NE, ET, MP, PE), cr3 (the kernel's page tables), cr4, dr6, dr7.
      (648, 0x202), (CPUField.cr0, 0x8005_0033), (672, 0x1000), (680, 0x6F0), (720, 0xFFFF_0FF0), (728, 0x400),
      // lstar, star, syscall_mask, efer (SCE, LME, LMA, NXE), tsc.
      (960, 0xFFFF_FFFF_8160_0000), (968, 0x0023_0010_0000_0000), (984, 0x4_7700), (992, 0xD01), (1008, derived(40)),
    ]
    // r8–r15, and xmm0–xmm15 in the FXSAVE area.
    words += (0..<8).map { (576 + 8 * $0, derived(9 + UInt64($0))) }
    words += (0..<32).map { (160 + 8 * $0, derived(17 + UInt64($0))) }
    // Selectors cs, ds, es, ss, tr; their access rights; fcw, mxcsr; the FPU-initialised flag.
    let halfWords: [(offset: Int, value: UInt32)] = [
      (736, 0x10), (740, 0x18), (744, 0x18), (756, 0x18), (760, 0x40), (888, 0xA09B), (892, 0xC093), (896, 0xC093),
      (908, 0xC093), (912, 0x8B), (0, 0x037F), (24, 0x1F80), (1024, 1),
    ]
    var bytes = [UInt8](repeating: 0, count: cpuRecordSize)
    bytes.withUnsafeMutableBytes { buffer in
      for (offset, value) in words { buffer.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt64.self) }
      for (offset, value) in halfWords {
        buffer.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
      }
    }
    return bytes
  }

  private static func record(_ typeCode: UInt16, instance: UInt16, data: [UInt8]) -> [UInt8] {
    var descriptor = [UInt8](repeating: 0, count: HVMContextRecords.descriptorSize)
    descriptor.withUnsafeMutableBytes { buffer in
      buffer.storeBytes(of: typeCode.littleEndian, toByteOffset: 0, as: UInt16.self)
      buffer.storeBytes(of: instance.littleEndian, toByteOffset: 2, as: UInt16.self)
      buffer.storeBytes(of: UInt32(data.count).littleEndian, toByteOffset: 4, as: UInt32.self)
    }
    return descriptor + data
  }

  // MARK: Reading

  /// One CPU record as `hvm_load` loads it.
  struct CPULoad {
    /// The vcpu it is for.
    let vcpu: Int
    /// The vcpu's state once loaded (up, with these registers).
    let state: SimulatedVCPU
    /// Whether the record is exactly what the model writes for `state`: registers the guest's code could hold.
    let isModelled: Bool
  }

  /// What `hvm_load` makes of a context: the CPU records it loads, in order, and, when it stops before the END
  /// record, the errno it stops with.
  struct Load {
    var cpus: [CPULoad] = []
    var failure: Errno?
  }

  /// Reads a context as `hvm_load` does, in its order. Throws, before anything could change, ENODATA when the
  /// context does not start with a whole HEADER record, and EINVAL when the header's magic or version is not
  /// Xen's (`arch_hvm_load`). Then each record: the END record ends the load; ENODATA when the records stop without
  /// one or one runs past the end ("save did not end with a null entry"); EINVAL for a typecode without a load
  /// handler (a second HEADER, past `HVM_SAVE_CODE_MAX`) and for a CPU record `hvm_load_cpu_ctxt` refuses: an
  /// instance that is not a vcpu of the domain ("dom has no vcpu"), a length past `struct hvm_hw_cpu` or the context,
  /// a cr0 without ET or paging without protection, a non-zero `pad0`. A shorter CPU record is zero-extended, as Xen
  /// reads it.
  static func load(_ context: [UInt8], vcpuCount: Int) throws(Errno) -> Load {
    guard let header = Descriptor(in: context, at: 0), header.typeCode == HVMContextRecords.headerTypeCode,
      header.length == headerSize, header.fits(context)
    else { throw .noData }
    guard word32(context, header.dataOffset) == HVMContextRecords.fileMagic,
      word32(context, header.dataOffset + 4) == fileVersion
    else { throw .invalidArgument }
    var load = Load()
    var offset = header.end
    while true {
      guard let record = Descriptor(in: context, at: offset) else {
        load.failure = .noData
        return load
      }
      switch record.typeCode {
      case HVMContextRecords.endTypeCode:
        return load
      case HVMContextRecords.cpuTypeCode:
        guard let cpu = cpuLoad(record, in: context, vcpuCount: vcpuCount) else {
          load.failure = .invalidArgument
          return load
        }
        load.cpus.append(cpu)
      case (HVMContextRecords.cpuTypeCode + 1)...highestTypeCode:
        guard record.fits(context) else {
          load.failure = .noData
          return load
        }
      default:
        load.failure = .invalidArgument
        return load
      }
      offset = record.end
    }
  }

  private static func cpuLoad(_ record: Descriptor, in context: [UInt8], vcpuCount: Int) -> CPULoad? {
    guard Int(record.instance) < vcpuCount, record.length <= cpuRecordSize, record.fits(context) else { return nil }
    var data = Array(context[record.dataOffset..<record.end])
    data += [UInt8](repeating: 0, count: cpuRecordSize - data.count)
    let cr0 = word64(data, CPUField.cr0)
    guard cr0 & cr0ExtensionType != 0, cr0 & (cr0Paging | cr0ProtectionEnable) != cr0Paging,
      word32(data, CPUField.pad0) == 0
    else { return nil }
    let state = SimulatedVCPU(
      instructionPointer: word64(data, CPUField.rip), returnRegister: word64(data, CPUField.rax),
      startInfoRegister: word64(data, CPUField.rdx))
    return CPULoad(vcpu: Int(record.instance), state: state, isModelled: cpuRecord(of: state) == data)
  }

  /// A record's descriptor (`struct hvm_save_descriptor`) at an offset of a context.
  private struct Descriptor {
    let typeCode: UInt16
    let instance: UInt16
    let length: Int
    let dataOffset: Int

    /// `nil` when the context has no room for a descriptor there.
    init?(in context: [UInt8], at offset: Int) {
      guard offset <= context.count - HVMContextRecords.descriptorSize else { return nil }
      let word = HVMContextModel.word64(context, offset)
      typeCode = UInt16(truncatingIfNeeded: word)
      instance = UInt16(truncatingIfNeeded: word >> 16)
      length = Int(word >> 32)
      dataOffset = offset + HVMContextRecords.descriptorSize
    }

    var end: Int { dataOffset + length }

    func fits(_ context: [UInt8]) -> Bool { length <= context.count - dataOffset }
  }

  private static func word64(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
    bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
  }

  private static func word32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
  }
}
