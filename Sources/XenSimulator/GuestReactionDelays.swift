/// How long a simulated guest takes to react, measured on the host's injected clock.
///
/// With `.immediate` (the default) guests react synchronously inside the host call that triggers them, which keeps
/// tests deterministic and cycles fast. With non-zero delays the reactions are scheduled on the clock, so a test
/// with a `TestClock` decides exactly when a guest acknowledges and when it suspends.
public struct GuestReactionDelays: Sendable, Hashable {
  /// From the moment a request reaches the guest (its watch fires, its suspend channel is signalled) to the moment
  /// it reads the request and acknowledges it.
  public var acknowledgement: Duration
  /// From the acknowledgement to the guest's suspend hypercall.
  public var suspension: Duration

  /// Describes reaction delays; negative durations count as zero.
  public init(acknowledgement: Duration = .zero, suspension: Duration = .zero) {
    self.acknowledgement = max(acknowledgement, .zero)
    self.suspension = max(suspension, .zero)
  }

  /// Synchronous reactions.
  public static let immediate = GuestReactionDelays()
}
