#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The process's resident memory now (not its peak), from `/proc/self/statm` on Linux.
public enum ResidentMemory {
  /// Resident bytes now; `nil` where `/proc/self/statm` cannot be read.
  public static func current() -> Int? {
    #if os(Linux)
      // "size resident shared text lib data dt", in pages.
      guard let file = fopen("/proc/self/statm", "r") else { return nil }
      defer { fclose(file) }
      var buffer = [UInt8](repeating: 0, count: 256)
      let count = fread(&buffer, 1, buffer.count, file)
      let fields = buffer[..<count].split(separator: UInt8(ascii: " "))
      guard fields.count > 1, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return nil }
      return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    #else
      return nil
    #endif
  }

  /// Bytes as MiB with one decimal.
  public static func format(_ bytes: Int?) -> String {
    guard let bytes else { return "n/a" }
    let tenths = (bytes * 10 + 524_288) / 1_048_576
    return "\(tenths / 10).\(tenths % 10) MiB"
  }
}
