import SwiftXenResume

/// What `suspend` prints: `{"backend":…,"domain":1,"guestType":"pv","path":"xenstoreControl",
/// "durationMicroseconds":1234.5,"stages":[{"stage":"planned","microseconds":95.5},{"stage":"requestWritten",
/// "microseconds":115},…]}`.
struct SuspendReport: Encodable, Sendable {
  /// The backend.
  var backend: BackendKind
  /// The suspended domain.
  var domain: DomainID
  /// Its guest type.
  var guestType: GuestType
  /// The path that suspended it (`eventChannel`, `xenstoreControl`, `hypervisorShutdown`).
  var path: SuspendPath
  /// From the start of the suspend until Xen reported the domain suspended, on the controller's clock.
  var durationMicroseconds: Double
  /// Each stage of the suspend in order; they add up to `durationMicroseconds`.
  var stages: [StageReport]

  /// The report of a suspend.
  init(backend: BackendKind, suspended: SuspendedDomain) {
    self.backend = backend
    domain = suspended.domain
    guestType = suspended.guestType
    path = suspended.path
    durationMicroseconds = suspended.duration.microseconds
    stages = StageReport.list(suspended.stages)
  }

  /// The human-readable form: the outcome, then the stages on a line of their own.
  var text: String {
    "domain \(domain) (\(guestType)) suspended through \(path) in "
      + "\(Duration.humanReadable(microseconds: durationMicroseconds)); resume it with `xen-resume resume \(domain)`\n"
      + StageReport.line(stages)
  }
}
