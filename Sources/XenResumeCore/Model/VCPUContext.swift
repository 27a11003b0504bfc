/// A vcpu's saved register context, in the byte layout of its guest width (`vcpu_guest_context_x86_32/64`).
///
/// The resume paths only touch two registers, so the rest travels as opaque bytes from
/// `XEN_DOMCTL_getvcpucontext` back to `XEN_DOMCTL_setvcpucontext` unchanged.
public struct VCPUContext: Sendable, Hashable {
  /// The layout the bytes follow.
  public let width: GuestWidth
  /// The raw context, `GuestLayout.vcpuContextSize(width)` bytes long.
  public private(set) var bytes: [UInt8]

  /// Wraps raw context bytes of the given width; `nil` when the byte count does not match the width.
  public init?(width: GuestWidth, bytes: [UInt8]) {
    guard bytes.count == GuestLayout.vcpuContextSize(width) else { return nil }
    self.width = width
    self.bytes = bytes
  }

  /// An all-zero context of the given width.
  public init(zeroedFor width: GuestWidth) {
    self.width = width
    self.bytes = [UInt8](repeating: 0, count: GuestLayout.vcpuContextSize(width))
  }

  /// vcpu0's `eax`/`rax`: what a suspended guest's `SCHEDOP_shutdown` returns when it runs again
  /// (1: suspend cancelled, 0: resumed as a new domain).
  public var returnRegister: UInt64 {
    get { word(at: GuestLayout.returnRegisterOffset(width)) }
    set { setWord(newValue, at: GuestLayout.returnRegisterOffset(width)) }
  }

  /// `edx`/`rdx`: the frame of its start_info page that a PV guest passes to `SCHEDOP_shutdown(SHUTDOWN_suspend)`.
  public var startInfoFrame: UInt64 {
    get { word(at: GuestLayout.startInfoRegisterOffset(width)) }
    set { setWord(newValue, at: GuestLayout.startInfoRegisterOffset(width)) }
  }

  /// Reads a little-endian register word of the context's width at a byte offset.
  package func word(at offset: Int) -> UInt64 {
    bytes.withUnsafeBytes { GuestMemoryWord.load(from: $0, at: offset, width: width) }
  }

  /// Writes a little-endian register word of the context's width at a byte offset (truncated to 32 bits for 32-bit).
  package mutating func setWord(_ value: UInt64, at offset: Int) {
    let width = width
    bytes.withUnsafeMutableBytes { GuestMemoryWord.store(value, into: $0, at: offset, width: width) }
  }
}

/// Little-endian access to guest-width words in raw guest memory.
@_spi(XenHostBackends) public enum GuestMemoryWord {
  /// Loads a word of `width` at `offset`.
  public static func load(from buffer: UnsafeRawBufferPointer, at offset: Int, width: GuestWidth) -> UInt64 {
    switch width {
    case .bits32: UInt64(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    case .bits64: UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
  }

  /// Stores a word of `width` at `offset`; a 32-bit store keeps the low 32 bits.
  public static func store(
    _ value: UInt64, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, width: GuestWidth
  ) {
    switch width {
    case .bits32:
      buffer.storeBytes(of: UInt32(truncatingIfNeeded: value).littleEndian, toByteOffset: offset, as: UInt32.self)
    case .bits64: buffer.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt64.self)
    }
  }

  /// Encodes a word of `width` as little-endian bytes.
  public static func bytes(of value: UInt64, width: GuestWidth) -> [UInt8] {
    var result = [UInt8](repeating: 0, count: width.bytes)
    result.withUnsafeMutableBytes { store(value, into: $0, at: 0, width: width) }
    return result
  }
}
