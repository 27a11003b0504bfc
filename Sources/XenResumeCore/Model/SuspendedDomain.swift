/// A domain that Xen reports shut down with reason suspend, as returned by `SuspendController.suspend`.
public struct SuspendedDomain: Sendable, Hashable {
  /// The suspended domain.
  public var domain: DomainID
  /// Its guest type, from Xen's own facts.
  public var guestType: GuestType
  /// The path that suspended it.
  public var path: SuspendPath
  /// From the start of the suspend to Xen reporting it, on the controller's clock.
  public var duration: Duration
  /// The stages, held inline so that a checkpoint loop allocates nothing for them.
  var stageDurations: StageDurations

  /// Describes a suspended domain whose stages were not measured.
  public init(domain: DomainID, guestType: GuestType, path: SuspendPath, duration: Duration) {
    self.init(domain: domain, guestType: guestType, path: path, duration: duration, stages: [])
  }

  /// Describes a suspended domain and the time each stage of its suspend took. A stage given twice keeps its
  /// last duration, and `stages` lists them in `StageTiming.Stage`'s order whatever the order given.
  public init(
    domain: DomainID, guestType: GuestType, path: SuspendPath, duration: Duration, stages: [StageTiming]
  ) {
    self.init(
      domain: domain, guestType: guestType, path: path, duration: duration, stageDurations: StageDurations(stages))
  }

  init(domain: DomainID, guestType: GuestType, path: SuspendPath, duration: Duration, stageDurations: StageDurations) {
    self.domain = domain
    self.guestType = guestType
    self.path = path
    self.duration = duration
    self.stageDurations = stageDurations
  }

  /// The stages of the suspend in the order they happened, measured on the controller's clock from the same
  /// start as `duration`, each from the end of the one before: they add up exactly to `duration`. Every path
  /// starts with `planned` (the reads before anything is asked of the guest); then the xenstore control path
  /// passes `requestWritten`, `acknowledged`, `suspended`; the event channel path `requestSent`, `suspended`; the
  /// hypervisor path `requestSent`, `suspended`. Built on each read: `duration(of:)` reads one stage without
  /// allocating.
  public var stages: [StageTiming] { stageDurations.timings }

  /// How long `stage` took, `nil` for a stage this suspend's path does not pass.
  public func duration(of stage: StageTiming.Stage) -> Duration? { stageDurations[stage] }
}

/// Which suspend path a domain would take and why, as `SuspendController.suspendPlan(for:)` decides it.
public struct SuspendPlan: Sendable, Hashable {
  /// The domain.
  public var domain: DomainID
  /// Its guest type.
  public var guestType: GuestType
  /// Its guest width (the host's for HVM containers).
  public var width: GuestWidth
  /// The path libxl's rules choose.
  public var path: SuspendPath
  /// Why, in words an operator understands.
  public var reason: String

  /// Describes a plan.
  public init(domain: DomainID, guestType: GuestType, width: GuestWidth, path: SuspendPath, reason: String) {
    self.domain = domain
    self.guestType = guestType
    self.width = width
    self.path = path
    self.reason = reason
  }
}
