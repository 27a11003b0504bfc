import Synchronization
import XenResumeCore

/// The progress of a capture's or a rewind's copy on stderr (`captured 12% of domain 7 (…)`), fed from the library's
/// progress callback, which may come from any thread. It also adds up the time of the batches that copied no page,
/// the part of a capture spent classifying holes of the guest's physical map, so a report can say where the time
/// went.
final class CopyProgressLine: Sendable {
  private struct Tally {
    var line = ProgressLine(enabled: true)
    var lastBatchEnd: ContinuousClock.Instant
    var lastCopied: UInt64 = 0
    var emptyBatches = Duration.zero
  }
  private let clock = ContinuousClock()
  private let tally: Mutex<Tally>
  private let verb: String
  private let domain: DomainID

  /// A progress line for `verb` ("captured", "written") and the domain.
  init(verb: String, domain: DomainID) {
    self.verb = verb
    self.domain = domain
    tally = Mutex(Tally(lastBatchEnd: clock.now))
  }

  /// The time spent in batches that copied no page, since this line was made.
  var emptyBatchTime: Duration { tally.withLock { $0.emptyBatches } }

  /// The callback to hand the library.
  var report: @Sendable (GuestCopyProgress) -> Void {
    { [self] progress in
      let now = clock.now
      tally.withLock { tally in
        if progress.framesCopied == tally.lastCopied { tally.emptyBatches += tally.lastBatchEnd.duration(to: now) }
        tally.lastBatchEnd = now
        tally.lastCopied = progress.framesCopied
        tally.line.update {
          let percent = progress.frameCount == 0 ? 100 : progress.framesDone * 100 / progress.frameCount
          return "\(verb) \(percent)% of domain \(domain) (\(progress.framesDone) of \(progress.frameCount) frames)"
        }
      }
    }
  }

  /// Ends the line before anything else is printed.
  func finish() {
    tally.withLock { $0.line.finish() }
  }
}
