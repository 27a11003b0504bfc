/// CRC-32C (Castagnoli), the checksum of a capture file: it catches a file truncated, damaged on disk or in copy,
/// or written by something else, not a file made to collide on purpose (it is no signature).
///
/// Computed here, eight bytes per step from eight tables, rather than through a cryptographic package: a capture is
/// tens to thousands of MiB, a dom0 often has one slow vcpu, and a SHA-256 of a guest's memory would cost more than
/// copying it out of the guest. No package the project depends on offers a CRC.
struct CRC32C: Sendable {
  /// The running remainder, inverted as the algorithm keeps it.
  private var state: UInt32 = 0xFFFF_FFFF

  /// An empty checksum.
  init() {}

  /// The checksum of everything passed to `update` so far.
  var value: UInt32 { ~state }

  /// Adds `bytes` to the checksum.
  mutating func update(_ bytes: UnsafeRawBufferPointer) {
    var crc = state
    var index = 0
    let count = bytes.count
    let tables = Self.tables
    tables.withUnsafeBufferPointer { table in
      while count - index >= 8 {
        let low = crc ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self).littleEndian
        let high = bytes.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self).littleEndian
        crc =
          table[7 * 256 + Int(low & 0xFF)] ^ table[6 * 256 + Int((low >> 8) & 0xFF)]
          ^ table[5 * 256 + Int((low >> 16) & 0xFF)] ^ table[4 * 256 + Int(low >> 24)]
          ^ table[3 * 256 + Int(high & 0xFF)] ^ table[2 * 256 + Int((high >> 8) & 0xFF)]
          ^ table[1 * 256 + Int((high >> 16) & 0xFF)] ^ table[Int(high >> 24)]
        index += 8
      }
      while index < count {
        crc = table[Int((crc ^ UInt32(bytes[index])) & 0xFF)] ^ (crc >> 8)
        index += 1
      }
    }
    state = crc
  }

  /// Adds `bytes` to the checksum.
  mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { update($0) }
  }

  /// Adds `bytes` to the checksum.
  mutating func update(_ bytes: ArraySlice<UInt8>) {
    bytes.withUnsafeBytes { update($0) }
  }

  /// Eight 256-entry tables for the reflected polynomial 0x82F63B78: table 0 is the classic byte table, table k
  /// advances a byte's remainder by k more zero bytes.
  private static let tables: [UInt32] = {
    var tables = [UInt32](repeating: 0, count: 8 * 256)
    for byte in 0..<256 {
      var crc = UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
      tables[byte] = crc
    }
    for table in 1..<8 {
      for byte in 0..<256 {
        let previous = tables[(table - 1) * 256 + byte]
        tables[table * 256 + byte] = tables[Int(previous & 0xFF)] ^ (previous >> 8)
      }
    }
    return tables
  }()
}
