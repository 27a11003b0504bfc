import SwiftXenResume

/// What `checkpoint` prints: `{"backend":…,"domain":1,"guestType":"pv","path":"xenstoreControl","count":50,
/// "succeeded":50,"pauseMicroseconds":{…},"stageMicroseconds":{"planned":{…},…,"xenstoreResumed":{…}},
/// "elapsedMicroseconds":…,"hostCallsPerCycle":9.0,"hostCalls":{"xs_write":50,…}}`, and with `--cycle-details`
/// `"cycles":[{"pauseMicroseconds":…,"suspendMicroseconds":…,"resumeMicroseconds":…},…]`.
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
  /// The distribution of each suspend and resume stage, keyed by `StageTiming.Stage`'s raw value (suspend and
  /// resume stages have distinct names).
  var stageMicroseconds: [String: PauseStatistics.Summary]
  /// Each cycle, only with `--cycle-details`.
  var cycles: [CycleReport]?
  /// From the first cycle's start to the last one's end, intervals included (count / elapsed is the loop's rate).
  var elapsedMicroseconds: Double
  /// All host calls of the run divided by the cycles; learning the domain before the first cycle is included.
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
    stageSummaries = result.stages.summaries
    var stages: [String: PauseStatistics.Summary] = [:]
    for (stage, summary) in stageSummaries { stages[stage.rawValue] = summary }
    stageMicroseconds = stages
    cycles = result.cycles?.map(CycleReport.init)
    elapsedMicroseconds = result.elapsed.microseconds
    var calls: [String: Int] = [:]
    for (operation, number) in hostCalls { calls[operation.rawValue] = number }
    self.hostCalls = calls
    hostCallsPerCycle = Double(calls.values.reduce(0, +)) / Double(max(1, result.succeeded))
  }

  /// The stage summaries in the order the stages happen, for the text (JSON objects have no order).
  private var stageSummaries: [(stage: StageTiming.Stage, summary: PauseStatistics.Summary)]

  private enum CodingKeys: String, CodingKey {
    case backend, domain, guestType, path, count, succeeded, pauseMicroseconds, stageMicroseconds, cycles
    case elapsedMicroseconds, hostCallsPerCycle, hostCalls
  }

  /// Checkpoints per second over the whole loop.
  var rate: Double { elapsedMicroseconds > 0 ? Double(succeeded) / (elapsedMicroseconds / 1e6) : 0 }

  /// The human-readable form: the distribution, each stage's, and the host-call cost, one fact per line.
  var text: String {
    var stageLines = ""
    for (stage, summary) in stageSummaries { stageLines += "  \(stage): \(summary.line)\n" }
    return """
      domain \(domain) (\(guestType)): \(succeeded) of \(count) checkpoints through \(path)
      pause: \(pauseMicroseconds.line)
      stages:
      \(stageLines)rate: \(Duration.decimal(rate, places: 1)) checkpoints/s over \(Duration.humanReadable(microseconds: elapsedMicroseconds))
      host calls per cycle: \(Duration.decimal(hostCallsPerCycle, places: 2))

      """
  }

  /// One cycle: `{"pauseMicroseconds":…,"suspendMicroseconds":…,"resumeMicroseconds":…}`. The suspend and the
  /// resume are the controller's durations, which their stages add up to; both lie inside the pause, which also
  /// holds the calls into the controller and the gap between suspend and resume.
  struct CycleReport: Encodable, Sendable {
    /// From before the suspend call until the resume call returned, as the run measured it.
    var pauseMicroseconds: Double
    /// The suspend's stages added up.
    var suspendMicroseconds: Double
    /// The resume's stages added up.
    var resumeMicroseconds: Double

    init(_ cycle: CheckpointRun.CycleTiming) {
      pauseMicroseconds = cycle.pause.microseconds
      suspendMicroseconds = cycle.suspend.microseconds
      resumeMicroseconds = cycle.resume.microseconds
    }
  }
}
