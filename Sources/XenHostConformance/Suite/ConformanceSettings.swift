import XenResumeCore

/// How the suite runs: the domain that must not exist, how long a step may take, and how long silence must last.
public struct ConformanceSettings: Sendable, Hashable {
  /// A domain id with no domain behind it, for the missing-domain checks. The check is skipped if it exists.
  public var missingDomain: DomainID
  /// How long one step may take before it fails: a guest's acknowledgement and suspend, a watch event.
  public var timeout: Duration
  /// How long a check listens to be sure an event does *not* come (a silent `@releaseDomain`). An event that
  /// breaks the rule arrives within milliseconds on real Xen; on a simulator it is already queued.
  public var quietPeriod: Duration
  /// A port number the guests do not use, for subscribing a suspend channel that leads nowhere: Xen stores the port
  /// unchecked (`XEN_DOMCTL_subscribe` in `do_domctl`), and at the suspend `evtchn_send` finds it past the guest's
  /// allocated ports (`port_is_valid`) and returns -EINVAL, which `__domain_finalise_shutdown` ignores. 4095 is far
  /// above the few dozen ports a guest allocates, and past the 2-level ABI's limit for 32-bit guests altogether.
  public var unusedGuestPort: EventChannelPort

  /// Settings with the defaults for anything not given: a quiet period of two seconds (or the timeout, if shorter).
  public init(
    missingDomain: DomainID = .maximumGuestID,
    timeout: Duration = .seconds(30),
    quietPeriod: Duration? = nil,
    unusedGuestPort: EventChannelPort = EventChannelPort(4095)
  ) {
    self.missingDomain = missingDomain
    self.timeout = timeout
    self.quietPeriod = quietPeriod ?? min(timeout, .seconds(2))
    self.unusedGuestPort = unusedGuestPort
  }
}
