/// A domain that Xen reports shut down with reason suspend, as returned by `SuspendController.suspend`.
public struct SuspendedDomain: Sendable, Hashable {
  /// The suspended domain.
  public var domain: DomainID
  /// Its guest type, from Xen's own facts.
  public var guestType: GuestType
  /// The path that suspended it.
  public var path: SuspendPath
  /// From the request to Xen reporting the suspend, on the controller's clock.
  public var duration: Duration

  /// Describes a suspended domain.
  public init(domain: DomainID, guestType: GuestType, path: SuspendPath, duration: Duration) {
    self.domain = domain
    self.guestType = guestType
    self.path = path
    self.duration = duration
  }
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
