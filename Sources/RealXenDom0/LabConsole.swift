import Glibc
import RealXenLab
import Synchronization

/// dom0's serial console, where the results go: one `write` per whole line under a lock, so the groups running side by
/// side never interleave their lines. Everything else a tool prints goes to files under /tmp.
public final class LabConsole: Sendable {
  private let lock = Mutex(())

  /// The console on stdout.
  public init() {}

  /// `@@RESULT {…}`: a judged result.
  public func result(_ result: ScenarioResult<some Encodable & Sendable>) {
    line("@@RESULT " + LabJSON.text(result))
  }

  /// `@@MARK text t=UPTIME`: progress, for the reader of the serial log.
  public func mark(_ text: String) {
    line("@@MARK \(text) t=\(Uptime.seconds())")
  }

  /// One line, whole.
  public func line(_ text: String) {
    lock.withLock { _ in
      var line = text
      line += "\n"
      line.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
          let written = write(1, bytes.baseAddress! + offset, bytes.count - offset)
          if written < 0 && errno == EINTR { continue }
          guard written > 0 else { return }
          offset += written
        }
      }
    }
  }
}
