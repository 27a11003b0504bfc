import SwiftXenResume
import SystemPackage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Capture files on disk: written whole under a temporary name and renamed, so a reader never finds half a
/// capture under the name asked for, and read back with every check `GuestCaptureFile` makes.
enum CaptureFileIO {
  /// Writes `capture` to `path` (mode 0600: a guest's memory is as secret as the guest), replacing it only once the
  /// whole file is written and flushed.
  static func write(_ capture: GuestCapture, to path: String) throws {
    let temporary = path + ".partial"
    let file: FileDescriptor
    do {
      file = try FileDescriptor.open(
        FilePath(temporary), .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite])
    } catch {
      throw failure("cannot create \(temporary)", error)
    }
    do {
      try file.closeAfter {
        try GuestCaptureFile.write(capture, to: file)
        // Flushed before the rename, so a crash never leaves a short file under the real name.
        guard fsync(file.rawValue) == 0 else { throw Errno(rawValue: errno) }
      }
      guard rename(temporary, path) == 0 else { throw Errno(rawValue: errno) }
    } catch {
      unlink(temporary)
      throw failure("cannot write the capture to \(path)", error)
    }
  }

  /// Reads and checks the capture at `path`.
  static func read(from path: String) throws -> GuestCapture {
    let file: FileDescriptor
    do {
      file = try FileDescriptor.open(FilePath(path), .readOnly)
    } catch {
      throw failure("cannot open \(path)", error)
    }
    do {
      return try file.closeAfter { try GuestCaptureFile.read(from: file) }
    } catch {
      throw failure("cannot read a capture from \(path)", error)
    }
  }

  private static func failure(_ context: String, _ error: any Error) -> CommandFailure {
    CommandFailure(.captureFile, "\(context): \(error)")
  }
}
