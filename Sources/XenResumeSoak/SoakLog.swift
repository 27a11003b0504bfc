import Logging
import Synchronization

/// What the controllers reported at warning level or above during a step: a cleanup a failed call left undone is
/// allowed to stay undone only when the controller said so (a cancelled suspend's request it could not withdraw,
/// a subscription `forget` could not clear), since those paths cannot throw it.
final class SoakLog: Sendable {
  private struct Entries {
    var all: [(domain: String?, message: String)] = []
    /// Where the current step's entries begin.
    var stepStart = 0
  }

  private let entries = Mutex(Entries())

  /// A logger whose warnings and errors are recorded here; everything below is dropped.
  var logger: Logger {
    var logger = Logger(label: "XenResumeSoak", factory: { _ in SoakLogHandler(log: self) })
    logger.logLevel = .warning
    return logger
  }

  fileprivate func record(domain: String?, message: String) {
    entries.withLock { $0.all.append((domain, message)) }
  }

  /// Starts a step: `reportedInStep` sees only what is recorded from now on. (Nothing is dropped: a controller's
  /// background task may report a step's leftover after the step ended.)
  func beginStep() {
    entries.withLock { $0.stepStart = $0.all.count }
  }

  /// How many messages containing `text` were recorded in the whole sequence.
  func count(of text: String) -> Int {
    entries.withLock { $0.all.count { $0.message.contains(text) } }
  }

  /// Whether a message containing `text` was recorded about `domain` in the whole sequence.
  func reported(_ text: String, about domain: String) -> Bool {
    entries.withLock { $0.all.contains { $0.domain == domain && $0.message.contains(text) } }
  }

  /// Whether a message containing `text` was recorded about `domain` since the step began.
  func reportedInStep(_ text: String, about domain: String) -> Bool {
    entries.withLock { $0.all[$0.stepStart...].contains { $0.domain == domain && $0.message.contains(text) } }
  }
}

private struct SoakLogHandler: LogHandler {
  let log: SoakLog
  var metadata: Logger.Metadata = [:]
  var metadataProvider: Logger.MetadataProvider?
  var logLevel: Logger.Level = .warning

  func log(event: LogEvent) {
    let domain = (event.metadata?["domain"] ?? metadata["domain"]).map { "\($0)" }
    log.record(domain: domain, message: event.message.description)
  }

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }
}
