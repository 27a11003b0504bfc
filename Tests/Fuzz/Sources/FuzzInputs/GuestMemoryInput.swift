@_spi(XenHostBackends) @testable import XenResumeCore

/// The `guest-memory` target's input: a suspended PV guest's frames, written by the fuzzer one guest word at a time.
///
/// The bytes, in order: a width byte (bit 0 set: a 32-bit guest); vcpu 0's start_info register, 8 bytes
/// little-endian (truncated to 32 bits for a 32-bit guest, as its `edx` is); then any number of 11-byte writes,
/// each a frame byte (modulo 16, plus 1: the guest owns frames 1 to 16), a word index (2 bytes little-endian,
/// modulo the guest words in a page) and a value (8 bytes little-endian, truncated to the guest's word). Missing
/// bytes read as zero and a trailing partial write is dropped, so every byte string is an input.
///
/// Frames start zeroed. Frame 1 is shared_info (Xen reports its frame, so it is trusted; its contents are the
/// guest's). Any other frame number is not the guest's, and reading it fails as Xen's foreign mapping of it would.
/// Writing word by word keeps the structures the readers follow (anchors, page-table entries, p2m entries, the
/// start_info magic) a few mutations apart, where whole pages would leave them thousands of bytes apart.
public struct GuestMemoryInput: Sendable, Equatable {
  /// One guest word written into a frame.
  public struct Write: Sendable, Equatable {
    /// The frame, one of `guestFrames`.
    public var frame: UInt64
    /// The word's index in the frame, in guest words.
    public var wordIndex: Int
    /// The value, truncated to the guest's word.
    public var value: UInt64

    /// A write of one guest word.
    public init(frame: UInt64, wordIndex: Int, value: UInt64) {
      self.frame = frame
      self.wordIndex = wordIndex
      self.value = value
    }
  }

  /// The frames the guest owns.
  public static let guestFrames: ClosedRange<UInt64> = 1...16
  /// shared_info's frame.
  public static let sharedInfoFrame: UInt64 = 1
  /// The size of one write in the byte form.
  static let writeSize = 11
  /// The size of the header in the byte form.
  static let headerSize = 9

  /// The guest's width.
  public var width: GuestWidth
  /// vcpu 0's `rdx` (`edx`): where the guest says its start_info is.
  public var startInfoRegister: UInt64
  /// The words written into the zeroed frames, in order.
  public var writes: [Write]

  /// An input from its parts.
  public init(width: GuestWidth, startInfoRegister: UInt64, writes: [Write]) {
    self.width = width
    self.startInfoRegister =
      width == .bits64 ? startInfoRegister : UInt64(UInt32(truncatingIfNeeded: startInfoRegister))
    self.writes = writes.map { Self.normalised($0, width: width) }
  }

  /// Decodes any byte string.
  public init(bytes: some Collection<UInt8>) {
    let all = Array(bytes)
    func byte(_ index: Int) -> UInt8 { index < all.count ? all[index] : 0 }
    func littleEndian(_ start: Int, _ count: Int) -> UInt64 {
      (0..<count).reduce(0) { $0 | UInt64(byte(start + $1)) << UInt64(8 * $1) }
    }
    let width: GuestWidth = byte(0) & 1 == 1 ? .bits32 : .bits64
    var writes: [Write] = []
    var start = Self.headerSize
    while start + Self.writeSize <= all.count {
      writes.append(
        Write(
          frame: UInt64(byte(start) % 16) + 1, wordIndex: Int(littleEndian(start + 1, 2)),
          value: littleEndian(start + 3, 8)))
      start += Self.writeSize
    }
    self.init(width: width, startInfoRegister: littleEndian(1, 8), writes: writes)
  }

  /// The byte form, which decodes to this input.
  public var bytes: [UInt8] {
    func littleEndian(_ value: UInt64, _ count: Int) -> [UInt8] {
      (0..<count).map { UInt8(truncatingIfNeeded: value >> UInt64(8 * $0)) }
    }
    var result: [UInt8] = [width == .bits32 ? 1 : 0] + littleEndian(startInfoRegister, 8)
    for write in writes {
      result += [UInt8(write.frame - 1)] + littleEndian(UInt64(write.wordIndex), 2) + littleEndian(write.value, 8)
    }
    return result
  }

  /// The guest's frames after the writes, keyed by frame number.
  public func pages() -> [UInt64: [UInt8]] {
    var pages: [UInt64: [UInt8]] = [:]
    for frame in Self.guestFrames { pages[frame] = [UInt8](repeating: 0, count: GuestLayout.pageSize) }
    for write in writes {
      let offset = write.wordIndex * width.bytes
      for index in 0..<width.bytes {
        pages[write.frame]![offset + index] = UInt8(truncatingIfNeeded: write.value >> UInt64(8 * index))
      }
    }
    return pages
  }

  private static func normalised(_ write: Write, width: GuestWidth) -> Write {
    let bits = UInt64(width.bytes * 8)
    return Write(
      frame: (write.frame - 1) % 16 + 1, wordIndex: write.wordIndex % GuestLayout.framesPerPage(width),
      value: bits == 64 ? write.value : write.value & ((1 << bits) - 1))
  }
}
