import SwiftXenResume

/// What `suspend` prints: `{"backend":…,"domain":1,"guestType":"pv","path":"xenstoreControl",
/// "durationMicroseconds":1234.5}`.
struct SuspendReport: Encodable, Sendable {
  /// The backend.
  var backend: BackendKind
  /// The suspended domain.
  var domain: DomainID
  /// Its guest type.
  var guestType: GuestType
  /// The path that suspended it (`eventChannel`, `xenstoreControl`, `hypervisorShutdown`).
  var path: SuspendPath
  /// From the request until Xen reported the domain suspended.
  var durationMicroseconds: Double

  /// The report of a suspend.
  init(backend: BackendKind, suspended: SuspendedDomain) {
    self.backend = backend
    domain = suspended.domain
    guestType = suspended.guestType
    path = suspended.path
    durationMicroseconds = suspended.duration.microseconds
  }

  /// The human-readable form.
  var line: String {
    "domain \(domain) (\(guestType)) suspended through \(path) in "
      + "\(Duration.humanReadable(microseconds: durationMicroseconds)); resume it with `xen-resume resume \(domain)`"
  }
}
