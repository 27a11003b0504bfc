import Foundation

/// Writes to the process's standard streams without buffering, so that output written before an `exit` is never
/// lost and stderr lines interleave with stdout in the order they were produced.
enum Console {
  /// Writes `text` to stdout as it is.
  static func writeOut(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
  }

  /// Writes one line to stdout.
  static func printOut(_ line: String) {
    writeOut(line + "\n")
  }

  /// Writes `text` to stderr as it is.
  static func writeError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }

  /// Writes one line to stderr.
  static func printError(_ line: String) {
    writeError(line + "\n")
  }

  /// Whether stderr is a terminal, where a progress line can overwrite itself instead of scrolling.
  static var standardErrorIsTerminal: Bool {
    isatty(FileHandle.standardError.fileDescriptor) != 0
  }
}
