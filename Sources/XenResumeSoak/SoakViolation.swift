/// A promise of the library that a soak step broke.
public struct SoakViolation: Error, Sendable, Hashable, CustomStringConvertible {
  /// Which promise.
  public var invariant: SoakInvariant
  /// What was seen, in words.
  public var detail: String
  /// The index of the step after which it was seen (the sequence's length for the end-of-sequence checks).
  public var step: Int

  /// A violation.
  public init(_ invariant: SoakInvariant, _ detail: String, step: Int) {
    self.invariant = invariant
    self.detail = detail
    self.step = step
  }

  /// One line.
  public var description: String { "step \(step): \(invariant.rawValue): \(detail)" }
}

/// The promises the soak checks after every step (the README's reliability section states them).
public enum SoakInvariant: String, Sendable, Hashable, CaseIterable {
  /// A guest is unhealthy (corrupted, panicked, hung) and nothing but a controller can be blamed.
  case guestHarmed
  /// An error says the domain is in one state and Xen reports another.
  case errorStateWrong
  /// An error that promises nothing was changed (refused, not suspended, already in progress, unsupported) came
  /// after the controller touched the guest.
  case changedWhenRefused
  /// A controller resumed, or wrote into, a domain another actor suspended although it knew the domain.
  case touchedAnotherActorsSuspend
  /// A guest suspended after a suspend (or checkpoint) that failed had ended with it running: left suspended
  /// behind the caller's back, with nobody to resume it.
  case suspendedAfterFailure
  /// `control/shutdown` still asks a guest to suspend after the operation ended.
  case requestLeftInXenStore
  /// Something a controller held (event channel binding, suspend subscription, watch, transaction, suspend lock,
  /// timed wait, waiting task) outlived what held it.
  case resourceLeaked
  /// An operation threw something other than a `SuspendResumeError` naming its failing call (or the
  /// cancellation or body error the step itself caused).
  case untypedError
  /// An operation took longer on the soak's clock than its timeout and the grace period allow.
  case waitOverran
  /// An operation did not end: its waits stayed as they were for a minute of real time while the soak kept looking
  /// (they never parked, or never woke), or kept changing for ten minutes.
  case hung
}
