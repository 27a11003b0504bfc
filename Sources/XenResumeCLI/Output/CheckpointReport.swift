import SwiftXenResume

/// What `checkpoint` prints: `{"backend":…,"domain":1,"guestType":"pv","path":"xenstoreControl","count":50,
/// "succeeded":50,"pauseMicroseconds":{…},"hostCallsPerCycle":9.0,"hostCalls":{"xs_write":50,…}}`.
struct CheckpointReport: Encodable, Sendable {
  /// The backend.
  var backend: BackendKind
  /// The domain.
  var domain: DomainID
  /// Its guest type.
  var guestType: GuestType
  /// The path the suspends took.
  var path: SuspendPath
  /// Cycles asked for.
  var count: Int
  /// Cycles completed.
  var succeeded: Int
  /// The pause distribution in microseconds.
  var pauseMicroseconds: PauseStatistics.Summary
  /// All host calls of the run divided by the cycles; the first cycle's learning is included.
  var hostCallsPerCycle: Double
  /// Host calls by C call name (`XenHostOperation.rawValue`), only those made.
  var hostCalls: [String: Int]

  /// The report of a finished run.
  init(backend: BackendKind, domain: DomainID, result: CheckpointRun.Result, hostCalls: [XenHostOperation: Int]) {
    self.backend = backend
    self.domain = domain
    guestType = result.guestType
    path = result.path
    count = result.succeeded
    succeeded = result.succeeded
    pauseMicroseconds = result.statistics.summary
    var calls: [String: Int] = [:]
    for (operation, number) in hostCalls { calls[operation.rawValue] = number }
    self.hostCalls = calls
    hostCallsPerCycle = Double(calls.values.reduce(0, +)) / Double(max(1, result.succeeded))
  }

  /// The human-readable form: the distribution and the host-call cost, one fact per line.
  var text: String {
    """
    domain \(domain) (\(guestType)): \(succeeded) of \(count) checkpoints through \(path)
    pause: \(pauseMicroseconds.line)
    host calls per cycle: \(Duration.decimal(hostCallsPerCycle, places: 2))

    """
  }
}
