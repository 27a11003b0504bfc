import SwiftXenResume

/// What `resume` prints: `{"backend":…,"domain":1,"mode":"fast","durationMicroseconds":321.0}`.
struct ResumeReport: Encodable, Sendable {
  /// The backend.
  var backend: BackendKind
  /// The resumed domain.
  var domain: DomainID
  /// `fast`, `slow` or `uncooperative`.
  var mode: ResumeMode
  /// How long the resume took, measured around the library call.
  var durationMicroseconds: Double

  /// The human-readable form.
  var line: String {
    "domain \(domain) resumed (\(mode)) in \(Duration.humanReadable(microseconds: durationMicroseconds))"
  }
}
