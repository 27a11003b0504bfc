/// What the scenarios of one guest counted, for the summaries judged at the end of its group.
public struct GuestTally: Sendable {
  /// Suspend/resume cycles by any tool (the device-model scenario needs some between its two samples).
  public var cycles = 0
  /// xen-resume suspends that succeeded on the xenstore path.
  public var swiftXenstoreSuspends = 0
  /// xen-resume suspends on the xenstore path the scenarios asked for (all of them should succeed).
  public var swiftXenstoreSuspendsAsked = 0
  /// The paced comparison's median pause of both tools together, in microseconds: the rate loops' length follows
  /// from it.
  public var pacedMedianPause: Double?
  /// C client suspends announced by @releaseDomain.
  public var cSeenByReleaseDomain = 0
  /// C client suspends noticed only by its poll (non-zero: XS_RESUME was missing before them).
  public var cSeenByPoll = 0
  /// How the soft-reset resume left the guest when it did not leave it running with its counter moving (`nil`: it
  /// did, or it has not run): the same-domain slow resume after it is then skipped, as it would measure nothing.
  public var notAliveAfterSoftReset: String?

  /// Nothing counted yet.
  public init() {}
}
