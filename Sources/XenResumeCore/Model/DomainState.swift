/// The state a domain is in, summarised from `DomainInfo` for errors and reports.
public enum DomainState: Sendable, Hashable, CustomStringConvertible {
  /// Running (or blocked): not shut down, not paused.
  case running
  /// Paused by a toolstack.
  case paused
  /// Shut down with a reason; `.shutDown(.suspend)` is a suspended domain. `nil` for a code Xen does not define.
  case shutDown(ShutdownReason?)
  /// Being destroyed.
  case dying
  /// No such domain.
  case gone

  /// Summarises a domain's info.
  public init(_ info: DomainInfo) {
    if info.isDying {
      self = .dying
    } else if info.isShutdown {
      self = .shutDown(info.shutdownReason)
    } else if info.isPaused {
      self = .paused
    } else {
      self = .running
    }
  }

  /// Whether this is a domain shut down with reason suspend.
  public var isSuspended: Bool { self == .shutDown(.suspend) }

  /// `running`, `paused`, `suspended`, `shut down (crash)`, `dying`, `gone`.
  public var description: String {
    switch self {
    case .running: "running"
    case .paused: "paused"
    case .shutDown(.suspend): "suspended"
    case .shutDown(let reason): "shut down (\(reason.map(String.init(describing:)) ?? "unknown reason"))"
    case .dying: "dying"
    case .gone: "gone"
    }
  }
}
