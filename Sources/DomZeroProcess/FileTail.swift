import Glibc

/// The ends of files (console logs, tools' output) and file system facts, with plain system calls.
public enum FileTail {
  /// The last `maxBytes` of a file as text (invalid UTF-8 repaired); `nil` when it cannot be read. A file without a
  /// size to seek to (/proc's and sysfs's, whose contents are made when read) is read from its start, up to
  /// `maxBytes`.
  public static func read(_ path: String, maxBytes: Int) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    let size = lseek(fd, 0, SEEK_END)
    if size <= 0 {
      // /proc/uptime refuses SEEK_END (EINVAL); /proc/cmdline reports size 0.
      guard lseek(fd, 0, SEEK_SET) >= 0 else { return nil }
      return readToEnd(fd, maxBytes: min(maxBytes, 65_536))
    }
    let start = max(0, Int(size) - maxBytes)
    guard lseek(fd, off_t(start), SEEK_SET) >= 0 else { return nil }
    return readToEnd(fd, maxBytes: Int(size) - start)
  }

  /// Up to `maxBytes` from the descriptor's position to its end.
  private static func readToEnd(_ fd: Int32, maxBytes: Int) -> String {
    var bytes = [UInt8](repeating: 0, count: maxBytes)
    var filled = 0
    while filled < bytes.count {
      let got = bytes.withUnsafeMutableBytes { buffer in
        Glibc.read(fd, buffer.baseAddress! + filled, buffer.count - filled)
      }
      if got < 0 && errno == EINTR { continue }
      guard got > 0 else { break }
      filled += got
    }
    return String(decoding: bytes.prefix(filled), as: UTF8.self)
  }

  /// A file's size in bytes; `nil` when it does not exist.
  public static func size(_ path: String) -> Int? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return Int(info.st_size)
  }

  /// Bytes an unprivileged writer may still put in the file system holding `path`.
  public static func freeBytes(_ path: String) -> UInt64? {
    var info = statvfs()
    guard statvfs(path, &info) == 0 else { return nil }
    return UInt64(info.f_bavail) * UInt64(info.f_frsize)
  }
}
