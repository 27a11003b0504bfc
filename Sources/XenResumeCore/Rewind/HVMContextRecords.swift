/// A read of an HVM context in Xen's save format (`xc_domain_hvm_getcontext`): records, each an 8-byte
/// descriptor (`struct hvm_save_descriptor`: typecode, instance, length, little-endian) and `length` bytes of data,
/// from a `HEADER` record to an `END` record.
///
/// A rewind needs two facts from it: that it is whole (so that a truncated or foreign blob is refused before the
/// guest is touched), and vcpu 0's return register, which says what the guest's suspend hypercall returns when the
/// domain runs again: 0, "resumed in a new domain", is what a soft-reset resume needs.
public struct HVMContextRecords: Sendable, Hashable {
  /// One record's descriptor and where its data lies in the blob.
  public struct Record: Sendable, Hashable {
    /// The save type (`HVM_SAVE_CODE(...)`): 1 `HEADER`, 2 `CPU`, 0 `END`, …
    public var typeCode: UInt16
    /// The instance within the type: the vcpu id for `CPU` records.
    public var instance: UInt16
    /// Where the record's data starts in the blob.
    public var dataOffset: Int
    /// The data's length in bytes, the descriptor not included.
    public var length: Int
  }

  /// `HVM_SAVE_CODE(END)`.
  public static let endTypeCode: UInt16 = 0
  /// `HVM_SAVE_CODE(HEADER)`.
  public static let headerTypeCode: UInt16 = 1
  /// `HVM_SAVE_CODE(CPU)`: `struct hvm_hw_cpu`, one per vcpu.
  public static let cpuTypeCode: UInt16 = 2
  /// `sizeof(struct hvm_save_descriptor)`.
  public static let descriptorSize = 8
  /// `offsetof(struct hvm_hw_cpu, rax)`: after the 512-byte FXSAVE area (the layout tests check it against the
  /// installed headers).
  public static let cpuReturnRegisterOffset = 512
  /// `HVM_FILE_MAGIC`, the first word of the `HEADER` record's data.
  public static let fileMagic: UInt32 = 0x5438_1286

  /// The records in blob order, `HEADER` first and `END` last.
  public let records: [Record]

  /// Reads the record structure of `context`; throws `HVMContextRecords.Malformed` when it is not a whole context
  /// in Xen's save format.
  public init(_ context: [UInt8]) throws(Malformed) {
    var records: [Record] = []
    var offset = 0
    while true {
      guard offset + Self.descriptorSize <= context.count else {
        throw Malformed(reason: "the records stop at byte \(offset) of \(context.count) without an END record")
      }
      let typeCode = UInt16(truncatingIfNeeded: context.littleEndianValue(at: offset, bytes: 2))
      let instance = UInt16(truncatingIfNeeded: context.littleEndianValue(at: offset + 2, bytes: 2))
      let length = Int(context.littleEndianValue(at: offset + 4, bytes: 4))
      let dataOffset = offset + Self.descriptorSize
      guard length <= context.count - dataOffset else {
        throw Malformed(reason: "record \(records.count) (type \(typeCode)) runs past the end of the context")
      }
      records.append(Record(typeCode: typeCode, instance: instance, dataOffset: dataOffset, length: length))
      offset = dataOffset + length
      if typeCode == Self.endTypeCode { break }
    }
    guard let header = records.first, header.typeCode == Self.headerTypeCode, header.length >= 4,
      UInt32(truncatingIfNeeded: context.littleEndianValue(at: header.dataOffset, bytes: 4)) == Self.fileMagic
    else {
      throw Malformed(reason: "it does not start with a HEADER record carrying HVM_FILE_MAGIC")
    }
    for record in records where record.typeCode == Self.cpuTypeCode {
      guard record.length >= Self.cpuReturnRegisterOffset + 8 else {
        throw Malformed(reason: "the CPU record of vcpu \(record.instance) is \(record.length) bytes, too short")
      }
    }
    self.records = records
  }

  /// The vcpu ids that have a `CPU` record, in blob order.
  public var vcpus: [UInt16] {
    records.filter { $0.typeCode == Self.cpuTypeCode }.map(\.instance)
  }

  /// vcpu `vcpu`'s `rax` in `context` (the blob these records were read from); `nil` without a `CPU` record for it.
  public func returnRegister(ofVCPU vcpu: UInt16, in context: [UInt8]) -> UInt64? {
    guard let record = cpuRecord(of: vcpu) else { return nil }
    return context.littleEndianValue(at: record.dataOffset + Self.cpuReturnRegisterOffset, bytes: 8)
  }

  /// `context` with vcpu `vcpu`'s `rax` set to `value`; `context` unchanged when there is no `CPU` record for it.
  public func settingReturnRegister(ofVCPU vcpu: UInt16, to value: UInt64, in context: [UInt8]) -> [UInt8] {
    guard let record = cpuRecord(of: vcpu) else { return context }
    var copy = context
    let start = record.dataOffset + Self.cpuReturnRegisterOffset
    for index in 0..<8 { copy[start + index] = UInt8(truncatingIfNeeded: value >> UInt64(8 * index)) }
    return copy
  }

  private func cpuRecord(of vcpu: UInt16) -> Record? {
    records.first { $0.typeCode == Self.cpuTypeCode && $0.instance == vcpu }
  }

  /// Why a blob is not a whole HVM context in Xen's save format.
  public struct Malformed: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with it.
    public var reason: String
    /// "not an HVM context in Xen's save format: <reason>".
    public var description: String { "not an HVM context in Xen's save format: \(reason)" }
  }
}

extension [UInt8] {
  /// The little-endian unsigned value of `bytes` bytes at `offset`; the caller keeps the range inside the array.
  func littleEndianValue(at offset: Int, bytes: Int) -> UInt64 {
    var value: UInt64 = 0
    for index in (0..<bytes).reversed() { value = value << 8 | UInt64(self[offset + index]) }
    return value
  }
}
