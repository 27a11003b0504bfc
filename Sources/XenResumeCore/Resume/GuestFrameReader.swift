import SystemPackage

/// Reads single values out of a guest's machine frames through foreign memory, and names what was wrong with them.
///
/// The p2m readers read one word per step rather than whole pages: a slow resume needs two translations, and a
/// page-sized read per level would cost a foreign mapping of every table on the way for nothing.
///
/// Every read goes through `readFrame`, a host's `readGuestMemory` in the controller: the fuzz target of these
/// readers (`Tests/Fuzz`, `guest-memory`) gives it arbitrary page contents instead.
struct GuestFrameReader {
  /// Bytes `offset..<offset + count` of a frame of the domain; throws when the frame cannot be mapped.
  typealias ReadFrame = (_ frame: UInt64, _ offset: Int, _ count: Int) throws -> [UInt8]

  let domain: DomainID
  let width: GuestWidth
  private let readFrame: ReadFrame

  /// Reads through a host's foreign memory.
  init(host: any XenHost, domain: DomainID, width: GuestWidth) {
    self.init(domain: domain, width: width) { frame, offset, count in
      try host.readGuestMemory(of: domain, frame: frame, offset: offset, count: count)
    }
  }

  /// Reads through any source of the domain's frames.
  init(domain: DomainID, width: GuestWidth, readFrame: @escaping ReadFrame) {
    self.domain = domain
    self.width = width
    self.readFrame = readFrame
  }

  /// Bytes of a frame, for callers that read a whole structure at a fixed, in-page place.
  func bytes(in frame: UInt64, offset: Int, count: Int) throws -> [UInt8] {
    precondition(offset >= 0 && count >= 0 && offset + count <= GuestLayout.pageSize, "a read past its page")
    return try readFrame(frame, offset, count)
  }

  /// The guest-width word at `index` (counted in words) of a frame.
  func word(in frame: UInt64, index: UInt64) throws -> UInt64 {
    try value(in: frame, byteOffset: index * UInt64(width.bytes), width: width)
  }

  /// The 64-bit page-table entry at `index` of a page-table frame (PAE entries are 64-bit in both widths).
  func pageTableEntry(in frame: UInt64, index: UInt64) throws -> UInt64 {
    try value(in: frame, byteOffset: index * UInt64(GuestLayout.pageTableEntrySize), width: .bits64)
  }

  /// The guest-width word at a byte offset of a frame.
  func word(in frame: UInt64, byteOffset: UInt64) throws -> UInt64 {
    try value(in: frame, byteOffset: byteOffset, width: width)
  }

  private func value(in frame: UInt64, byteOffset: UInt64, width: GuestWidth) throws -> UInt64 {
    // The callers compute indices from guest data; a bad one must be refused here, not trapped on.
    guard byteOffset <= UInt64(GuestLayout.pageSize - width.bytes) else {
      throw damaged("a p2m lookup reached offset \(byteOffset) of frame \(Self.hex(frame)), past its page")
    }
    let bytes = try readFrame(frame, Int(byteOffset), width.bytes)
    return bytes.withUnsafeBytes { GuestMemoryWord.load(from: $0, at: 0, width: width) }
  }

  /// The error for guest structures that cannot be right: nothing has been written when it is thrown.
  func damaged(_ hint: String) -> XenCallError {
    XenCallError(.readGuestMemory, domain: domain, errno: .invalidArgument, hint: hint + "; nothing was written")
  }

  /// The error for a layout the resume does not read (libxenguest does not either): nothing has been written.
  func unsupported(_ what: String) -> SuspendResumeError {
    .unsupported(domain, guestType: .pv, operation: "a slow resume through \(what)")
  }

  /// `0x…`, for hints.
  static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
}
