import SwiftXenResume

/// What `status` prints: `{"backend":…,"xenLibrary":{…},"domains":[…]}` (`xenLibrary` only on real Xen).
struct StatusReport: Encodable, Sendable {
  /// Which libxenctrl the binary was built for (`LibxenHost.libraryFacts`): a binary runs only on the Xen release
  /// it was built against, so operators and the real-Xen labs check it here.
  struct XenLibrary: Encodable, Sendable {
    /// "4.20": the release of the libxenctrl the process loaded; `null` when it is not a shared library.
    var release: String?
    /// The C call behind every domain-info read: `xc_domain_getinfo_single` (Xen 4.18+) or `xc_domain_getinfolist`.
    var domainInfoCall: String

    init(_ facts: LibxenHost.LibraryFacts) {
      release = facts.release
      domainInfoCall = facts.domainInfoCall
    }

    enum CodingKeys: String, CodingKey { case release, domainInfoCall }

    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(release, forKey: .release)
      try container.encode(domainInfoCall, forKey: .domainInfoCall)
    }
  }

  /// One domain.
  struct Domain: Encodable, Sendable {
    /// The domain id.
    var domain: DomainID
    /// The domain's name from xenstore (`/local/domain/<id>/name`); `null` when it has none.
    var name: String?
    /// `pv`, `pvhvm`, `hvm` or `pvh`.
    var guestType: GuestType
    /// 32 or 64; `null` when the path could not be planned.
    var width: GuestWidth?
    /// The domain's state.
    var state: DomainState
    /// Xen's shutdown reason, only for a shut-down domain (`suspend` for a suspended one).
    var shutdownReason: ShutdownReason?
    /// The path `suspend` would take; `null` when the guest cannot be suspended.
    var suspendPath: SuspendPath?
    /// Why that path, or why none.
    var pathReason: String

    enum CodingKeys: String, CodingKey {
      case domain, name, guestType, width, state, shutdownReason, suspendPath, pathReason
    }

    /// Encodes every field, `null`s included, so the document's shape never depends on the domain.
    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(domain, forKey: .domain)
      try container.encode(name, forKey: .name)
      try container.encode(guestType, forKey: .guestType)
      try container.encode(width?.rawValue, forKey: .width)
      try container.encode(state.jsonName, forKey: .state)
      try container.encode(shutdownReason.map(String.init(describing:)), forKey: .shutdownReason)
      try container.encode(suspendPath, forKey: .suspendPath)
      try container.encode(pathReason, forKey: .pathReason)
    }
  }

  /// The backend the report comes from.
  var backend: BackendKind
  /// The real backend's libxenctrl; `nil` (left out) on the simulator.
  var xenLibrary: XenLibrary?
  /// The domains, in the order asked for (in id order when every domain is listed).
  var domains: [Domain]

  /// The human-readable form.
  var table: String {
    var table = TextTable(["DOMAIN", "NAME", "TYPE", "WIDTH", "STATE", "SHUTDOWN", "PATH", "WHY"])
    for domain in domains {
      table.append([
        "\(domain.domain)", domain.name ?? "-", "\(domain.guestType)",
        domain.width.map(String.init(describing:)) ?? "-",
        domain.state.jsonName, domain.shutdownReason.map(String.init(describing:)) ?? "-",
        domain.suspendPath.map(String.init(describing:)) ?? "-", domain.pathReason,
      ])
    }
    return table.rendered
  }
}

extension DomainState {
  /// The state's one-word name in reports: `running`, `paused`, `suspended`, `shutdown`, `dying`, `gone`.
  var jsonName: String {
    switch self {
    case .running: "running"
    case .paused: "paused"
    case .shutDown(.suspend): "suspended"
    case .shutDown: "shutdown"
    case .dying: "dying"
    case .gone: "gone"
    }
  }
}
