import Foundation
import SwiftXenResume

/// A failure as the operator sees it: a kind, one line of text, and the exit status that goes with the kind.
struct CommandFailure: Error, Sendable, CustomStringConvertible {
  /// Which way the command failed.
  var kind: ErrorKind
  /// One line a person can act on.
  var message: String

  /// A failure of the given kind.
  init(_ kind: ErrorKind, _ message: String) {
    self.kind = kind
    self.message = message
  }

  /// The exit status for the failure.
  var exitStatus: ExitStatus { kind.exitStatus }

  /// The message.
  var description: String { message }

  /// A command-line mistake found after ArgumentParser was done (e.g. a flag that only applies to the simulator).
  static func usage(_ message: String) -> CommandFailure {
    CommandFailure(.usage, message)
  }
}

extension CommandFailure {
  /// Classifies any error a command can meet, so that every failure leaves with a stable kind and exit status.
  init(classifying error: any Error) {
    switch error {
    case let failure as CommandFailure:
      self = failure
    case let error as SuspendResumeError:
      self.init(kind: Self.kind(of: error), message: error.description)
    case let error as XenCallError:
      self.init(.xenCall, error.description)
    case is CancellationError:
      self.init(
        .interrupted,
        "interrupted by a signal; what had been started was undone (a pending suspend request withdrawn, a guest "
          + "suspended by this command resumed)")
    default:
      self.init(.xenCall, String(describing: error))
    }
    message = Self.singleLine(message)
  }

  /// Classifies `error` and puts `context` (e.g. which cycle failed) in front of its message.
  init(classifying error: any Error, context: String) {
    self.init(classifying: error)
    message = "\(context): \(message)"
  }

  private init(kind: ErrorKind, message: String) {
    self.kind = kind
    self.message = message
  }

  /// The error kind of each library error case.
  static func kind(of error: SuspendResumeError) -> ErrorKind {
    switch error {
    case .domainNotFound: .domainNotFound
    case .refused: .refused
    case .notSuspended: .notSuspended
    case .timedOut: .timeout
    case .shutDownForOtherReason: .shutdownForOtherReason
    case .unsupported: .unsupported
    case .alreadyInProgress: .alreadyInProgress
    case .hostCall: .xenCall
    case .rebuildIncomplete: .rebuildIncomplete
    case .rewindIncomplete: .rewindIncomplete
    }
  }

  /// Folds line breaks so an error is always one line on stderr, whatever produced it.
  static func singleLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
      .joined(separator: "; ")
  }
}
