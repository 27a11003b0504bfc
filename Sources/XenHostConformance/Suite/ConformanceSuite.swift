import XenResumeCore

/// Xen's rules at the `XenHost` seam, written once and run over any backend: `SimulatedXenHost` and the benchmarks'
/// null host in `swift test`, `LibxenHost` in dom0 (`xen-host-conformance`), so that every backend is held to what
/// real Xen 4.17 does, call by call.
///
/// ```swift
/// let suite = ConformanceSuite(
///   host: host, guests: [ConformanceGuest(domain: 3, type: .pv)], settings: ConformanceSettings(timeout: .seconds(5)),
///   clock: ContinuousClock())
/// for result in await suite.run() where result.outcome == .failed { print(result) }
/// ```
///
/// Host-wide checks run first, then each per-guest check on every guest in turn, one at a time (they suspend guests
/// and listen to the global `@releaseDomain`, so they must not overlap). A check that finds its guest not running
/// is skipped, and a guest is always left running: a check that cannot bring it back fails. Every wait is an event
/// wait bounded by the settings' timeout on the injected clock.
public struct ConformanceSuite: Sendable {
  /// Every check, in the order they run.
  public static let allChecks: [ConformanceCheck] = [
    .missingDomain,
    .missingNode,
    .writeThenRead,
    .transactionConflict,
    .transactionAbort,
    .watchFiresAtRegistration,
    .watchFiresOnWrite,
    .guestTypeMatchesXen,
    .resumeOfRunningDomain,
    .hvmParameterOfPV,
    .softResetNeedsSuspendedDomain,
    .vcpuContextRoundTrip,
    .releaseDomainOnSuspend,
    .releaseDomainRearmedByXSResume,
    .suspendSubscriptionSilencesReleaseDomain,
    .suspendSubscriptionSignalsBoundPort,
    .suspendLockIsExclusive,
  ]

  /// The host under test.
  public let host: any XenHost
  /// The guests per-guest checks run on; they must be running and may be suspended and resumed.
  public let guests: [ConformanceGuest]
  /// Timeouts, the missing domain, the unused port.
  public let settings: ConformanceSettings
  /// The checks to run (all of them unless chosen).
  public let checks: [ConformanceCheck]
  private let clock: any ControllerClock

  /// A suite over `host` and `guests`.
  ///
  /// - Parameters:
  ///   - clock: the clock every timeout and quiet period runs on, and results are timed with.
  ///   - checks: the checks to run, in order; all of them by default.
  public init<C: Clock>(
    host: any XenHost,
    guests: [ConformanceGuest],
    settings: ConformanceSettings = ConformanceSettings(),
    clock: C,
    checks: [ConformanceCheck] = ConformanceSuite.allChecks
  ) where C.Duration == Duration {
    self.host = host
    self.guests = guests
    self.settings = settings
    self.checks = checks
    self.clock = ClockAdapter(clock)
  }

  /// Runs every check and returns the results in order.
  public func run() async -> [ConformanceResult] {
    var results: [ConformanceResult] = []
    await run { results.append($0) }
    return results
  }

  /// Runs every check, handing each result to `report` as soon as it is known (the command line prints it then).
  public func run(reporting report: (ConformanceResult) -> Void) async {
    let timer = DeadlineTimer(clock: clock)
    defer { timer.stop() }
    let context = CheckContext(host: host, clock: clock, timer: timer, settings: settings)
    for check in checks where !check.isPerGuest {
      report(await CheckRunner(check: check, context: context).runOnHost())
    }
    for check in checks where check.isPerGuest {
      for guest in guests {
        report(await CheckRunner(check: check, context: context).run(on: guest))
      }
    }
  }
}
