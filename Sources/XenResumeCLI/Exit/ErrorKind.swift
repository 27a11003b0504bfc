/// The `kind` of a JSON error document: one stable name per way a command can fail.
///
/// A CI harness switches on these names, so they never change; a new way of failing gets a new name.
enum ErrorKind: String, Sendable, Codable, CaseIterable {
  /// A wait ran out of time.
  case timeout
  /// Xen knows no such domain.
  case domainNotFound
  /// Refused before anything was touched.
  case refused
  /// A resume of a domain that is not suspended.
  case notSuspended
  /// A call into Xen failed.
  case xenCall
  /// The command line is wrong.
  case usage
  /// The guest shut down for another reason instead of suspending.
  case shutdownForOtherReason
  /// The guest type cannot do what was asked.
  case unsupported
  /// Another suspend or resume of the domain is under way.
  case alreadyInProgress
  /// The chosen backend cannot be used on this machine.
  case backendUnavailable
  /// SIGINT or SIGTERM stopped the operation, after the library undid what it had started.
  case interrupted
  /// A call into Xen failed after a slow resume soft reset the domain: it is held paused. Only the controller that
  /// soft reset it can finish the rebuild, and it ended with this process; such a domain must be destroyed.
  case rebuildIncomplete
  /// A rewind failed after it had begun writing the captured memory back: the domain is held paused and suspended
  /// with its memory part old, part captured. A rewind to the same capture file writes it all again; otherwise the
  /// domain must be destroyed.
  case rewindIncomplete
  /// A capture file could not be read or written, or fails its checks (magic, version, length, checksum).
  case captureFile

  /// The exit status that goes with the kind.
  var exitStatus: ExitStatus {
    switch self {
    case .timeout: .timeout
    case .domainNotFound: .domainNotFound
    case .refused, .notSuspended, .shutdownForOtherReason, .unsupported, .alreadyInProgress: .failure
    case .xenCall, .rebuildIncomplete, .rewindIncomplete: .xenCall
    case .captureFile: .failure
    case .usage: .usage
    case .backendUnavailable: .backendUnavailable
    case .interrupted: .interrupted
    }
  }
}
