import Synchronization
import XenResumeCore

/// The progress of a capture's or a rewind's copy on stderr (`captured 12.0 of 128.0 MiB of domain 7`), fed from
/// the library's progress callback, which may come from any thread.
final class CopyProgressLine: Sendable {
  private let line = Mutex(ProgressLine(enabled: true))
  private let verb: String
  private let domain: DomainID

  /// A progress line for `verb` ("captured", "written") and the domain.
  init(verb: String, domain: DomainID) {
    self.verb = verb
    self.domain = domain
  }

  /// The callback to hand the library.
  var report: @Sendable (GuestCopyProgress) -> Void {
    { [self] progress in
      line.withLock { line in
        line.update {
          let percent = progress.frameCount == 0 ? 100 : progress.framesDone * 100 / progress.frameCount
          return "\(verb) \(percent)% of domain \(domain) (\(progress.framesDone) of \(progress.frameCount) frames)"
        }
      }
    }
  }

  /// Ends the line before anything else is printed.
  func finish() {
    line.withLock { $0.finish() }
  }
}
