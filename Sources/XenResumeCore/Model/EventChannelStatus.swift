/// What one port of a domain's event channel space is (`xc_evtchn_status`, `EVTCHNSTAT_*`).
public enum EventChannelStatus: Sendable, Hashable {
  /// Not in use (`EVTCHNSTAT_closed`).
  case closed
  /// Allocated and waiting for `remote` to bind it (`EVTCHNSTAT_unbound`).
  case unbound(remote: DomainID)
  /// Connected to `remotePort` of `remote` (`EVTCHNSTAT_interdomain`).
  case interdomain(remote: DomainID, remotePort: EventChannelPort)
  /// Bound to a physical IRQ (`EVTCHNSTAT_pirq`).
  case physicalIRQ
  /// Bound to a virtual IRQ (`EVTCHNSTAT_virq`).
  case virtualIRQ
  /// An inter-processor channel within the domain (`EVTCHNSTAT_ipi`).
  case interProcessor
}

extension EventChannelStatus: CustomStringConvertible {
  /// The state in a few words, with the remote end where there is one.
  public var description: String {
    switch self {
    case .closed: "closed"
    case .unbound(let remote): "unbound, for domain \(remote)"
    case .interdomain(let remote, let port): "bound to domain \(remote)'s port \(port)"
    case .physicalIRQ: "bound to a physical IRQ"
    case .virtualIRQ: "bound to a virtual IRQ"
    case .interProcessor: "an IPI channel"
    }
  }
}
