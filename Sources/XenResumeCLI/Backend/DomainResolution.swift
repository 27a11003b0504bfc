import SwiftXenResume

/// Turns the domains the command line names into ids, through the open backend: names live in xenstore, written by
/// the toolstack that created each domain (libxl: `/local/domain/<id>/name`; dom0's is `Domain-0`).
enum DomainResolution {
  /// The xenstore node holding a domain's name.
  static func namePath(of domain: DomainID) -> String {
    "/local/domain/\(domain.rawValue)/name"
  }

  /// The domain's name; `nil` when it has none (its toolstack wrote none, or the domain is gone with its home).
  static func name(of domain: DomainID, on host: any XenHost) throws -> String? {
    try host.read(namePath(of: domain))
  }

  /// The id a reference names. An id is taken as it is (a missing domain is the command's own "not found"); a name
  /// is looked up among every domain Xen lists, and must name exactly one.
  ///
  /// - Throws: `CommandFailure` of kind `domainNotFound` when no domain has the name, of kind `usage` when several
  ///   do (the operator must pick one by id); `XenCallError` when listing or reading fails.
  static func resolve(_ reference: DomainReference, on host: any XenHost) throws -> DomainID {
    switch reference {
    case .id(let domain):
      return domain
    case .name(let name):
      let matches = try host.domains().map(\.domain).filter { try Self.name(of: $0, on: host) == name }
      guard let first = matches.first else {
        throw CommandFailure(.domainNotFound, "no domain is named '\(name)' (see xen-resume status)")
      }
      guard matches.count == 1 else {
        let ids = matches.map(String.init(describing:)).joined(separator: ", ")
        throw CommandFailure(
          .usage, "\(matches.count) domains are named '\(name)' (ids \(ids)); give the id of the one you mean")
      }
      return first
    }
  }
}
