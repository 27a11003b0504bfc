import SwiftXenResume

/// What `capture` prints: `{"backend":…,"domain":7,"file":"/tmp/g.capture","guestType":"pvh","frames":32760,
/// "memoryBytes":134184960,"contextBytes":2168,"leftSuspended":false,"captureMicroseconds":…,"holeScanMicroseconds":…,
/// "fileWriteMicroseconds":…,"pauseMicroseconds":…,"suspend":{…},"resume":{…}}`.
struct CaptureReport: Encodable, Sendable {
  /// The backend.
  var backend: BackendKind
  /// The captured domain.
  var domain: DomainID
  /// The file written.
  var file: String
  /// Its guest type.
  var guestType: GuestType
  /// The guest frames copied.
  var frames: Int
  /// The bytes of guest memory copied.
  var memoryBytes: Int
  /// The HVM context's size in bytes.
  var contextBytes: Int
  /// Whether the guest was left suspended (asked for, or suspended before the command).
  var leftSuspended: Bool
  /// The copy out of the suspended guest: HVM context and memory.
  var captureMicroseconds: Double
  /// The part of `captureMicroseconds` spent in batches of the physical map that held no page to copy: classifying
  /// holes (`XEN_DOMCTL_getpageframeinfo3`), which costs per frame of the map, not per page of RAM.
  var holeScanMicroseconds: Double
  /// Writing the file, after the guest was resumed (unless left suspended).
  var fileWriteMicroseconds: Double
  /// What the guest felt: from the start of the suspend to the end of the fast resume (or of the capture, when left
  /// suspended); absent for a guest that was suspended before the command.
  var pauseMicroseconds: Double?
  /// The suspend, when this command suspended the guest.
  var suspend: SuspendReport?
  /// The fast resume, when this command resumed the guest.
  var resume: ResumeReport?

  /// The report of a capture.
  init(
    backend: BackendKind, domain: DomainID, file: String, capture: GuestCapture, leftSuspended: Bool,
    captureTime: Duration, holeScanTime: Duration, fileWriteTime: Duration, pause: Duration?, suspend: SuspendReport?,
    resume: ResumeReport?
  ) {
    self.backend = backend
    self.domain = domain
    self.file = file
    guestType = capture.guestType
    frames = capture.frames.count
    memoryBytes = capture.memoryBytes
    contextBytes = capture.hvmContext.count
    self.leftSuspended = leftSuspended
    captureMicroseconds = captureTime.microseconds
    holeScanMicroseconds = holeScanTime.microseconds
    fileWriteMicroseconds = fileWriteTime.microseconds
    pauseMicroseconds = pause?.microseconds
    self.suspend = suspend
    self.resume = resume
  }

  /// The human-readable form.
  var text: String {
    let mebibytes = Double(memoryBytes) / 1_048_576
    var text =
      "domain \(domain) captured to \(file): \(frames) frames (\(Duration.decimal(mebibytes, places: 1)) MiB), "
      + "\(contextBytes)-byte HVM context; copy \(Duration.humanReadable(microseconds: captureMicroseconds)) "
      + "(holes \(Duration.humanReadable(microseconds: holeScanMicroseconds))), "
      + "file \(Duration.humanReadable(microseconds: fileWriteMicroseconds))"
    if let pauseMicroseconds { text += ", guest paused \(Duration.humanReadable(microseconds: pauseMicroseconds))" }
    text += leftSuspended ? "; left suspended" : "; resumed fast"
    return text
  }
}

/// What `rewind` prints: `{"backend":…,"domain":7,"file":"/tmp/g.capture","frames":32760,"memoryBytes":…,
/// "fileReadMicroseconds":…,"pauseMicroseconds":…,"suspend":{…},"rewind":{"durationMicroseconds":…,"stages":[…]}}`.
struct RewindReport: Encodable, Sendable {
  /// The backend.
  var backend: BackendKind
  /// The rewound domain.
  var domain: DomainID
  /// The capture file read.
  var file: String
  /// The guest frames written back.
  var frames: Int
  /// The bytes of guest memory written back.
  var memoryBytes: Int
  /// Reading and checking the file, before the guest was suspended.
  var fileReadMicroseconds: Double
  /// What the guest felt: from the start of the suspend to the end of the rewind's resume; absent for a guest that
  /// was suspended before the command.
  var pauseMicroseconds: Double?
  /// The suspend, when this command suspended the guest.
  var suspend: SuspendReport?
  /// The rewind itself: its duration and stages (`stateChecked`, `stateReplaced`, `softReset`, …).
  var rewind: ResumeReport

  /// The report of a rewind.
  init(
    backend: BackendKind, file: String, capture: GuestCapture, fileReadTime: Duration, pause: Duration?,
    suspend: SuspendReport?, rewound: ResumedDomain
  ) {
    self.backend = backend
    domain = rewound.domain
    self.file = file
    frames = capture.frames.count
    memoryBytes = capture.memoryBytes
    fileReadMicroseconds = fileReadTime.microseconds
    pauseMicroseconds = pause?.microseconds
    self.suspend = suspend
    rewind = ResumeReport(backend: backend, resumed: rewound)
  }

  /// The human-readable form: the outcome, then the rewind's stages.
  var text: String {
    var text =
      "domain \(domain) rewound to \(file): \(frames) frames written back in "
      + Duration.humanReadable(microseconds: rewind.durationMicroseconds)
    if let pauseMicroseconds { text += ", guest paused \(Duration.humanReadable(microseconds: pauseMicroseconds))" }
    return text + "\n" + StageReport.line(rewind.stages)
  }
}
