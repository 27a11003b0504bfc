import XenResumeCore

/// A guest the suite may suspend and resume: its domain and the type the operator says it is.
///
/// The type decides how the suite suspends the guest and how it brings it back: a PV-aware guest (PV, PVH, PVHVM) is
/// asked through `control/shutdown` and resumed cooperatively, a pure HVM guest is stopped with
/// `xc_domain_shutdown(SHUTDOWN_suspend)` and resumed without touching its registers. The `domain.type-matches-xen`
/// check compares the declared type with what Xen reports, so a wrong declaration fails loudly instead of
/// corrupting a guest.
public struct ConformanceGuest: Sendable, Hashable, Codable, CustomStringConvertible {
  /// The guest's domain.
  public var domain: DomainID
  /// What kind of guest it is.
  public var type: GuestType

  /// Describes a guest.
  public init(domain: DomainID, type: GuestType) {
    self.domain = domain
    self.type = type
  }

  /// `<domid>:<type>`, as the `xen-host-conformance` command line takes it.
  public var description: String { "\(domain):\(type.rawValue)" }

  /// Parses `<domid>:<pv|pvh|pvhvm|hvm>`; `nil` for anything else.
  public init?(argument: String) {
    let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, let domain = DomainID(String(parts[0])),
      let type = GuestType(rawValue: parts[1].lowercased())
    else { return nil }
    self.init(domain: domain, type: type)
  }
}
