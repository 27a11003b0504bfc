import SystemPackage
import Testing

@_spi(XenHostBackends) @testable import XenResumeCore

#if canImport(Glibc)
  import Glibc
#endif

@Suite("Capture files")
struct GuestCaptureFileTests {
  /// A small capture whose every byte is distinct enough that a swapped or lost page shows.
  static func sampleCapture(frames: [UInt64] = [0, 1, 5, 300]) -> GuestCapture {
    var memory: [UInt8] = []
    for (index, frame) in frames.enumerated() {
      memory += (0..<GuestLayout.pageSize).map { UInt8(truncatingIfNeeded: $0 &+ index &* 7 &+ Int(frame)) }
    }
    return GuestCapture(
      domain: 7, handle: DomainHandle(bytes: (1...16).map(UInt8.init)), guestType: .pvh, totalPages: 4200,
      vcpuCount: 2, maximumFrame: 0xFEFFF, hvmContext: HVMContextRecordsTests.context(vcpus: 2, returnRegister: 0),
      frames: frames, memory: memory)
  }

  /// A file in a fresh temporary directory, removed by the caller's `defer`.
  static func temporaryFile() throws -> (FileDescriptor, String) {
    var template = Array("/tmp/capture-test-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw Errno(rawValue: errno) }
    let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    return (FileDescriptor(rawValue: fd), path)
  }

  static func written(_ capture: GuestCapture) throws -> [UInt8] {
    let (file, path) = try temporaryFile()
    defer {
      try? file.close()
      unlink(path)
    }
    try GuestCaptureFile.write(capture, to: file)
    _ = try file.seek(offset: 0, from: .start)
    var bytes = [UInt8](repeating: 0, count: 1 << 20)
    let count = try bytes.withUnsafeMutableBytes { try file.read(into: $0) }
    return Array(bytes[..<count])
  }

  static func read(_ bytes: [UInt8]) throws(GuestCaptureFile.Failure) -> GuestCapture {
    let (file, path): (FileDescriptor, String)
    do {
      (file, path) = try temporaryFile()
      _ = try bytes.withUnsafeBytes { try file.writeAll($0) }
    } catch {
      Issue.record("temporary file: \(error)")
      throw .malformed("test setup")
    }
    defer {
      try? file.close()
      unlink(path)
    }
    return try GuestCaptureFile.read(from: file)
  }

  @Test("a capture written and read back is the same capture, laid out as documented")
  func roundTrip() throws {
    let capture = Self.sampleCapture()
    let bytes = try Self.written(capture)
    let expectedLength =
      GuestCaptureFile.headerSize + capture.hvmContext.count + capture.frames.count * (8 + GuestLayout.pageSize) + 4
    #expect(bytes.count == expectedLength)
    #expect(Array(bytes[0..<8]) == Array("XRCAPTUR".utf8))
    #expect(bytes.littleEndianValue(at: 56, bytes: 8) == 4)
    #expect(try Self.read(bytes) == capture)
  }

  @Test("every damaged byte is caught by the checksum, before a capture is built")
  func damagedMemoryFailsTheChecksum() throws {
    var bytes = try Self.written(Self.sampleCapture())
    let inMemory = bytes.count - 4 - 100
    bytes[inMemory] ^= 0x01
    #expect {
      try Self.read(bytes)
    } throws: { error in
      guard case .checksumMismatch = error as? GuestCaptureFile.Failure else { return false }
      return true
    }
  }

  @Test("a truncated file, another file, another version are each refused with their own failure")
  func refusals() throws {
    let bytes = try Self.written(Self.sampleCapture())
    #expect(
      throws: GuestCaptureFile.Failure.wrongLength(expected: Int64(bytes.count), actual: Int64(bytes.count - 4096))
    ) {
      try Self.read(Array(bytes.dropLast(4096)))
    }
    var other = bytes
    other[0] = UInt8(ascii: "Y")
    #expect(throws: GuestCaptureFile.Failure.notACapture) { try Self.read(other) }
    var newer = bytes
    newer[8] = 2
    #expect(throws: GuestCaptureFile.Failure.unsupportedVersion(2)) { try Self.read(newer) }
    #expect(throws: GuestCaptureFile.Failure.notACapture) { try Self.read(Array("hello, world".utf8)) }
  }

  @Test("a header that claims more frames than the file holds is refused without allocating them")
  func hugeFrameCount() throws {
    var bytes = try Self.written(Self.sampleCapture())
    for index in 56..<64 { bytes[index] = 0xFF }
    #expect {
      try Self.read(bytes)
    } throws: { error in
      guard case .malformed = error as? GuestCaptureFile.Failure else { return false }
      return true
    }
  }

  @Test("CRC-32C matches the standard check value and does not depend on how the input is split")
  func checksum() {
    var whole = CRC32C()
    whole.update(Array("123456789".utf8))
    #expect(whole.value == 0xE306_9283)
    let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    var one = CRC32C()
    one.update(data)
    var pieces = CRC32C()
    pieces.update(data[0..<3])
    pieces.update(data[3..<517])
    pieces.update(data[517...])
    #expect(one.value == pieces.value)
  }
}
