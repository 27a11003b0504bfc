import SystemPackage

/// The file format of a `GuestCapture`, version 1. All integers are little-endian.
///
/// | offset | size | field |
/// |---:|---:|---|
/// | 0 | 8 | magic, the ASCII bytes `XRCAPTUR` |
/// | 8 | 4 | format version (1) |
/// | 12 | 4 | guest type: 0 PV, 1 PVH, 2 PVHVM, 3 HVM |
/// | 16 | 4 | domain id captured from |
/// | 20 | 4 | vcpu count |
/// | 24 | 16 | domain handle |
/// | 40 | 8 | total pages (`tot_pages`) |
/// | 48 | 8 | maximum guest frame |
/// | 56 | 8 | frame count *n* |
/// | 64 | 8 | HVM context length *c* |
/// | 72 | *c* | HVM context, Xen's save format |
/// | 72 + *c* | 8 *n* | the captured frame numbers, ascending |
/// | 72 + *c* + 8 *n* | 4096 *n* | their pages, in the same order |
/// | end − 4 | 4 | CRC-32C (Castagnoli) of every byte before it |
///
/// A reader refuses a file whose magic, version, length or checksum is wrong before it builds a capture, so a
/// damaged file never reaches a guest. The format is streamed both ways: neither side holds a second copy of the
/// memory.
public enum GuestCaptureFile {
  /// The first eight bytes of every capture file.
  public static let magic: [UInt8] = Array("XRCAPTUR".utf8)
  /// The version this library writes and reads.
  public static let version: UInt32 = 1
  /// The fixed header's size, before the HVM context.
  public static let headerSize = 72

  /// Why a file could not be read as a capture (or a capture written).
  public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file does not start with `GuestCaptureFile.magic`.
    case notACapture
    /// The file's format version is one this library does not read.
    case unsupportedVersion(UInt32)
    /// The header describes a file of `expected` bytes; it has `actual`.
    case wrongLength(expected: Int64, actual: Int64)
    /// The stored CRC-32C is not the one computed over the file.
    case checksumMismatch(stored: UInt32, computed: UInt32)
    /// A field holds a value no capture can have.
    case malformed(String)
    /// A system call on the file failed.
    case io(call: String, errno: Errno)

    /// A one-line explanation.
    public var description: String {
      switch self {
      case .notACapture: "not a capture file (wrong magic)"
      case .unsupportedVersion(let version):
        "capture file version \(version) is not supported (this library reads \(GuestCaptureFile.version))"
      case .wrongLength(let expected, let actual):
        "capture file is \(actual) bytes, its header describes \(expected): truncated or damaged"
      case .checksumMismatch(let stored, let computed):
        "capture file fails its checksum (stored CRC-32C \(hex(stored)), computed \(hex(computed))): damaged"
      case .malformed(let reason): "capture file is malformed: \(reason)"
      case .io(let call, let errno): "\(call) failed: \(errno) (errno \(errno.rawValue))"
      }
    }

    private func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
  }

  // MARK: Writing

  /// Writes `capture` to `file` from its current offset. The caller opens, and closes, the file.
  public static func write(_ capture: GuestCapture, to file: FileDescriptor) throws(Failure) {
    var checksum = CRC32C()
    var header = magic
    header.appendLittleEndian(version, bytes: 4)
    header.appendLittleEndian(typeCode(capture.guestType), bytes: 4)
    header.appendLittleEndian(capture.domain.rawValue, bytes: 4)
    header.appendLittleEndian(UInt32(capture.vcpuCount), bytes: 4)
    header.append(contentsOf: capture.handle.bytes)
    header.appendLittleEndian(capture.totalPages, bytes: 8)
    header.appendLittleEndian(capture.maximumFrame, bytes: 8)
    header.appendLittleEndian(UInt64(capture.frames.count), bytes: 8)
    header.appendLittleEndian(UInt64(capture.hvmContext.count), bytes: 8)
    precondition(header.count == headerSize)
    var frameBytes: [UInt8] = []
    frameBytes.reserveCapacity(capture.frames.count * 8)
    for frame in capture.frames { frameBytes.appendLittleEndian(frame, bytes: 8) }
    for part in [header, capture.hvmContext, frameBytes] {
      checksum.update(part)
      try writeAll(part[...], to: file)
    }
    checksum.update(capture.memory)
    try writeAll(capture.memory[...], to: file)
    var trailer: [UInt8] = []
    trailer.appendLittleEndian(checksum.value, bytes: 4)
    try writeAll(trailer[...], to: file)
  }

  // MARK: Reading

  /// Reads a capture from `file`, which must hold exactly one, from offset 0; throws `Failure` for anything that is
  /// not a whole, undamaged capture of this version.
  public static func read(from file: FileDescriptor) throws(Failure) -> GuestCapture {
    let length: Int64
    do {
      length = try file.seek(offset: 0, from: .end)
      _ = try file.seek(offset: 0, from: .start)
    } catch {
      throw .io(call: "lseek", errno: error as? Errno ?? .ioError)
    }
    guard length >= Int64(headerSize) else {
      if length >= Int64(magic.count), try readExactly(magic.count, from: file) != magic { throw .notACapture }
      throw .wrongLength(expected: Int64(headerSize + 4), actual: length)
    }
    var checksum = CRC32C()
    let header = try readExactly(headerSize, from: file)
    checksum.update(header)
    guard Array(header[0..<8]) == magic else { throw .notACapture }
    let fileVersion = UInt32(header.littleEndianValue(at: 8, bytes: 4))
    guard fileVersion == version else { throw .unsupportedVersion(fileVersion) }
    guard let guestType = guestType(code: UInt32(header.littleEndianValue(at: 12, bytes: 4))) else {
      throw .malformed("unknown guest type code \(header.littleEndianValue(at: 12, bytes: 4))")
    }
    let domain = DomainID(rawValue: UInt32(header.littleEndianValue(at: 16, bytes: 4)))
    let vcpuCount = Int(header.littleEndianValue(at: 20, bytes: 4))
    let handle = DomainHandle(bytes: Array(header[24..<40]))
    let totalPages = header.littleEndianValue(at: 40, bytes: 8)
    let maximumFrame = header.littleEndianValue(at: 48, bytes: 8)
    let frameCount = header.littleEndianValue(at: 56, bytes: 8)
    let contextLength = header.littleEndianValue(at: 64, bytes: 8)
    // Sizes are checked against the file's real length before anything is allocated for them.
    let perFrame = UInt64(8 + GuestLayout.pageSize)
    let (framesBytes, framesOverflow) = frameCount.multipliedReportingOverflow(by: perFrame)
    let (contentBytes, contentOverflow) = framesBytes.addingReportingOverflow(contextLength)
    guard !framesOverflow, !contentOverflow, contentBytes <= UInt64(Int64.max - Int64(headerSize) - 4) else {
      throw .malformed(
        "its header describes \(frameCount) frames and a \(contextLength)-byte context: no file is so large")
    }
    let expected = Int64(headerSize) + Int64(contentBytes) + 4
    guard expected == length else { throw .wrongLength(expected: expected, actual: length) }
    let context = try readExactly(Int(contextLength), from: file)
    checksum.update(context)
    let frameBytes = try readExactly(Int(frameCount) * 8, from: file)
    checksum.update(frameBytes)
    let memory = try readExactly(Int(frameCount) * GuestLayout.pageSize, from: file)
    checksum.update(memory)
    let stored = UInt32(try readExactly(4, from: file).littleEndianValue(at: 0, bytes: 4))
    guard stored == checksum.value else { throw .checksumMismatch(stored: stored, computed: checksum.value) }
    let frames = (0..<Int(frameCount)).map { frameBytes.littleEndianValue(at: $0 * 8, bytes: 8) }
    guard zip(frames, frames.dropFirst()).allSatisfy({ $0 < $1 }), frames.last.map({ $0 <= maximumFrame }) ?? true
    else {
      throw .malformed("its frames are not ascending within the maximum frame \(maximumFrame)")
    }
    return GuestCapture(
      domain: domain, handle: handle, guestType: guestType, totalPages: totalPages, vcpuCount: vcpuCount,
      maximumFrame: maximumFrame, hvmContext: context, frames: frames, memory: memory)
  }

  // MARK: Helpers

  private static let typeCodes: [GuestType] = [.pv, .pvh, .pvhvm, .hvm]

  private static func typeCode(_ type: GuestType) -> UInt32 { UInt32(typeCodes.firstIndex(of: type)!) }

  private static func guestType(code: UInt32) -> GuestType? {
    code < typeCodes.count ? typeCodes[Int(code)] : nil
  }

  private static func writeAll(_ bytes: ArraySlice<UInt8>, to file: FileDescriptor) throws(Failure) {
    do {
      _ = try bytes.withUnsafeBytes { try file.writeAll($0) }
    } catch {
      throw .io(call: "write", errno: error as? Errno ?? .ioError)
    }
  }

  private static func readExactly(_ count: Int, from file: FileDescriptor) throws(Failure) -> [UInt8] {
    var failure: Failure?
    let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      var done = 0
      while done < count {
        do {
          let got = try file.read(
            into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[done...])))
          if got == 0 { break }
          done += got
        } catch {
          failure = .io(call: "read", errno: error as? Errno ?? .ioError)
          break
        }
      }
      if done < count, failure == nil { failure = .malformed("the file ended early") }
      if done < count { buffer.initialize(repeating: 0) }
      initialized = count
    }
    if let failure { throw failure }
    return bytes
  }
}

extension [UInt8] {
  /// Appends the low `bytes` bytes of `value`, least significant first.
  mutating func appendLittleEndian(_ value: some FixedWidthInteger, bytes: Int) {
    for index in 0..<bytes { append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
  }
}
