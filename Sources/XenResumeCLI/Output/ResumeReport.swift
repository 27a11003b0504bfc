import SwiftXenResume

/// What `resume` prints: `{"backend":…,"domain":1,"mode":"fast","durationMicroseconds":321.0,
/// "stages":[{"stage":"stateChecked","microseconds":80.2},…]}`.
struct ResumeReport: Encodable, Sendable {
  /// The backend.
  var backend: BackendKind
  /// The resumed domain.
  var domain: DomainID
  /// `fast`, `slow` or `uncooperative`.
  var mode: ResumeMode
  /// How long the resume took, on the controller's clock.
  var durationMicroseconds: Double
  /// Each stage of the resume in order; they add up to `durationMicroseconds`.
  var stages: [StageReport]

  /// The report of a resume.
  init(backend: BackendKind, resumed: ResumedDomain) {
    self.backend = backend
    domain = resumed.domain
    mode = resumed.mode
    durationMicroseconds = resumed.duration.microseconds
    stages = StageReport.list(resumed.stages)
  }

  /// The human-readable form: the outcome, then the stages on a line of their own.
  var text: String {
    "domain \(domain) resumed (\(mode)) in \(Duration.humanReadable(microseconds: durationMicroseconds))\n"
      + StageReport.line(stages)
  }
}
