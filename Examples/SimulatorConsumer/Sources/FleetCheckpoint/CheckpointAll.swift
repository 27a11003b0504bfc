import XenResumeCore

/// What `checkpointAll(_:with:timeout:while:)` did to each domain.
public struct FleetCheckpointReport: Sendable {
  /// The domains that were checkpointed, with the path each one was suspended through.
  public var checkpointed: [DomainID: SuspendPath] = [:]
  /// The domains that were not, with why: usually a `SuspendResumeError`, which names the state the domain was
  /// left in; `CancellationError` for those reached after the task was cancelled; or what `work` threw.
  public var failed: [DomainID: any Error] = [:]

  /// An empty report.
  public init() {}
}

/// Checkpoints each domain in turn, as a toolstack's periodic checkpoint of its guests would: suspends it, runs
/// `work` while it is suspended (copying its dirty memory, say), and resumes it fast, also when `work` throws.
///
/// One guest that cannot be checkpointed (it ignores the request, it crashes, it is gone) is reported and does not
/// stop the others; each one is paused only for its own checkpoint.
public func checkpointAll(
  _ domains: [DomainID],
  with controller: SuspendController,
  timeout: Duration = .seconds(60),
  while work: (SuspendedDomain) async throws -> Void = { _ in }
) async -> FleetCheckpointReport {
  var report = FleetCheckpointReport()
  for domain in domains {
    do {
      report.checkpointed[domain] = try await controller.checkpoint(domain, timeout: timeout) { suspended in
        try await work(suspended)
        return suspended.path
      }
    } catch {
      report.failed[domain] = error
    }
  }
  return report
}
