import Metrics
import Synchronization

/// The metrics a `SuspendController` reports through swift-metrics: nothing is recorded until the application
/// bootstraps a backend with `MetricsSystem.bootstrap` (before making the controller), or passes a factory to
/// `SuspendController.init(host:clock:logger:metricsFactory:)`.
///
/// | label | kind | dimensions |
/// |---|---|---|
/// | `xen_resume_suspend_duration` | timer, one value per successful suspend (`SuspendedDomain.duration`) | `path`, `guest_type` |
/// | `xen_resume_resume_duration` | timer, one value per successful resume (`ResumedDomain.duration`) | `mode`, `path`, `guest_type` |
/// | `xen_resume_checkpoint_pause_duration` | timer, per checkpoint whose resume succeeded: suspend start to resume end, the body included | `path`, `guest_type` |
/// | `xen_resume_operations_total` | counter, one per call of `suspend`, `resume` or `checkpoint` | `operation`, `outcome` |
/// | `xen_resume_suspended_domains` | meter, domains this controller suspended and has not resumed or forgotten | none |
///
/// Dimension values: `path` is `SuspendPath`'s raw value (`eventChannel`, `xenstoreControl`,
/// `hypervisorShutdown`; for a resume, how this controller suspended the domain, or `unknown` when it did not);
/// `guest_type` is `GuestType`'s (`pv`, `pvh`, `pvhvm`, `hvm`); `mode` is `ResumeMode`'s (`fast`, `slow`,
/// `uncooperative`); `operation` is `suspend`, `resume` or `checkpoint` (a checkpoint also counts its own suspend and
/// resume); `outcome` is one of `Outcome`'s raw values.
///
/// The meter goes up by one when a suspend succeeds and down by one when this controller resumes or forgets that
/// domain, when the domain is gone or was resumed by someone else (noticed at the next operation on it), and when
/// the controller is released: several controllers in one process add up on one meter.
public enum SuspendControllerMetrics {
  /// Timer: how long each successful suspend took.
  public static let suspendDuration = "xen_resume_suspend_duration"
  /// Timer: how long each successful resume took.
  public static let resumeDuration = "xen_resume_resume_duration"
  /// Timer: how long each checkpoint kept its guest paused.
  public static let checkpointPauseDuration = "xen_resume_checkpoint_pause_duration"
  /// Counter: operations by kind and outcome.
  public static let operations = "xen_resume_operations_total"
  /// Meter: domains suspended by the controller, not yet resumed.
  public static let suspendedDomains = "xen_resume_suspended_domains"

  /// How an operation ended, the `outcome` dimension of `operations`: `ok`, or the kind of error it threw.
  public enum Outcome: String, Sendable, Hashable, CaseIterable {
    /// It succeeded.
    case ok
    /// `SuspendResumeError.domainNotFound`.
    case domainNotFound
    /// `SuspendResumeError.refused`.
    case refused
    /// `SuspendResumeError.notSuspended`.
    case notSuspended
    /// `SuspendResumeError.timedOut`, at either stage.
    case timedOut
    /// `SuspendResumeError.shutDownForOtherReason`.
    case shutDownForOtherReason
    /// `SuspendResumeError.unsupported`.
    case unsupported
    /// `SuspendResumeError.alreadyInProgress`, in this process or another.
    case alreadyInProgress
    /// `SuspendResumeError.hostCall`.
    case hostCall
    /// `SuspendResumeError.rebuildIncomplete`.
    case rebuildIncomplete
    /// `SuspendResumeError.rewindIncomplete`.
    case rewindIncomplete
    /// `CancellationError`: the task was cancelled.
    case cancelled
    /// Any other error: for a checkpoint, typically its body's own.
    case other

    /// The outcome of an operation that threw `error`, or `ok` for `nil`.
    public init(_ error: (any Error)?) {
      switch error {
      case nil: self = .ok
      case let error as SuspendResumeError:
        switch error {
        case .domainNotFound: self = .domainNotFound
        case .refused: self = .refused
        case .notSuspended: self = .notSuspended
        case .timedOut: self = .timedOut
        case .shutDownForOtherReason: self = .shutDownForOtherReason
        case .unsupported: self = .unsupported
        case .alreadyInProgress: self = .alreadyInProgress
        case .hostCall: self = .hostCall
        case .rebuildIncomplete: self = .rebuildIncomplete
        case .rewindIncomplete: self = .rewindIncomplete
        }
      case is CancellationError: self = .cancelled
      default: self = .other
      }
    }
  }
}

/// The operations `xen_resume_operations_total` counts.
enum MeteredOperation: Int, CaseIterable {
  case suspend
  case resume
  case checkpoint

  var name: String {
    switch self {
    case .suspend: "suspend"
    case .resume: "resume"
    case .checkpoint: "checkpoint"
    }
  }
}

/// A controller's metric objects. Making one through a factory allocates and, in most backends, takes the
/// backend's lock to find its series, so each is made on first use of its dimensions and kept: an operation then
/// costs one lookup under an uncontended lock. The tables are small arrays indexed by the enums' positions (every
/// combination is known in advance), not dictionaries. Series appear only once used, so a backend never shows a
/// combination that cannot happen (an HVM guest on the event channel path).
final class ControllerMetrics: Sendable {
  private let factory: any MetricsFactory
  private let cache: Mutex<Cache>
  /// Domains suspended by the controller, not yet resumed.
  let suspendedDomains: Meter

  // The sizes of the tables' dimensions, counted once: `allCases` builds an array on every use.
  private static let paths = SuspendPath.allCases.count
  private static let guestTypes = GuestType.allCases.count
  private static let modes = ResumeMode.allCases.count
  private static let outcomes = SuspendControllerMetrics.Outcome.allCases.count

  private struct Cache {
    var suspend = [Timer?](repeating: nil, count: paths * guestTypes)
    var checkpoint = [Timer?](repeating: nil, count: paths * guestTypes)
    /// A resume's path may also be unknown (a domain this controller did not suspend): one more position.
    var resume = [Timer?](repeating: nil, count: modes * (paths + 1) * guestTypes)
    var operations = [Counter?](repeating: nil, count: MeteredOperation.allCases.count * outcomes)
  }

  /// Metrics through `factory`, or `nil` for swift-metrics' no-op factory, so that a controller without a backend
  /// skips even the lookups.
  static func make(factory: any MetricsFactory) -> ControllerMetrics? {
    factory is NOOPMetricsHandler ? nil : ControllerMetrics(factory: factory)
  }

  private init(factory: any MetricsFactory) {
    self.factory = factory
    self.cache = Mutex(Cache())
    self.suspendedDomains = Meter(label: SuspendControllerMetrics.suspendedDomains, dimensions: [], factory: factory)
  }

  /// A successful suspend.
  func recordSuspend(_ suspended: SuspendedDomain) {
    let index = Self.position(of: suspended.path) * Self.guestTypes + Self.position(of: suspended.guestType)
    let timer = cached(\.suspend, index) {
      Timer(
        label: SuspendControllerMetrics.suspendDuration,
        dimensions: [("path", suspended.path.rawValue), ("guest_type", suspended.guestType.rawValue)], factory: factory)
    }
    timer.record(duration: suspended.duration)
  }

  /// A successful resume of a domain this controller suspended through `path` (`nil`: it did not).
  func recordResume(_ resumed: ResumedDomain, path: SuspendPath?) {
    let pathPosition = path.map(Self.position(of:)) ?? Self.paths
    let index =
      (Self.position(of: resumed.mode) * (Self.paths + 1) + pathPosition) * Self.guestTypes
      + Self.position(of: resumed.guestType)
    let timer = cached(\.resume, index) {
      Timer(
        label: SuspendControllerMetrics.resumeDuration,
        dimensions: [
          ("mode", resumed.mode.rawValue), ("path", path?.rawValue ?? "unknown"),
          ("guest_type", resumed.guestType.rawValue),
        ],
        factory: factory)
    }
    timer.record(duration: resumed.duration)
  }

  /// A checkpoint that paused a guest for `pause` and brought it back.
  func recordCheckpointPause(_ pause: Duration, path: SuspendPath, guestType: GuestType) {
    let index = Self.position(of: path) * Self.guestTypes + Self.position(of: guestType)
    let timer = cached(\.checkpoint, index) {
      Timer(
        label: SuspendControllerMetrics.checkpointPauseDuration,
        dimensions: [("path", path.rawValue), ("guest_type", guestType.rawValue)], factory: factory)
    }
    timer.record(duration: pause)
  }

  /// One operation ended with `outcome`.
  func count(_ operation: MeteredOperation, _ outcome: SuspendControllerMetrics.Outcome) {
    let index = operation.rawValue * Self.outcomes + Self.position(of: outcome)
    let counter = cached(\.operations, index) {
      Counter(
        label: SuspendControllerMetrics.operations,
        dimensions: [("operation", operation.name), ("outcome", outcome.rawValue)], factory: factory)
    }
    counter.increment()
  }

  /// The metric object at `index` of one of the tables, made by `make` and kept the first time it is asked for.
  private func cached<Metric: Sendable>(
    _ table: WritableKeyPath<Cache, [Metric?]>, _ index: Int, _ make: () -> Metric
  ) -> Metric {
    cache.withLock { cache in
      if let metric = cache[keyPath: table][index] { return metric }
      let metric = make()
      cache[keyPath: table][index] = metric
      return metric
    }
  }

  // Positions by switch rather than `allCases.firstIndex`, which would search (and build) the array each time.

  private static func position(of path: SuspendPath) -> Int {
    switch path {
    case .eventChannel: 0
    case .xenstoreControl: 1
    case .hypervisorShutdown: 2
    }
  }

  private static func position(of guestType: GuestType) -> Int {
    switch guestType {
    case .pv: 0
    case .pvhvm: 1
    case .hvm: 2
    case .pvh: 3
    }
  }

  private static func position(of mode: ResumeMode) -> Int {
    switch mode {
    case .fast: 0
    case .slow: 1
    case .uncooperative: 2
    }
  }

  private static func position(of outcome: SuspendControllerMetrics.Outcome) -> Int {
    switch outcome {
    case .ok: 0
    case .domainNotFound: 1
    case .refused: 2
    case .notSuspended: 3
    case .timedOut: 4
    case .shutDownForOtherReason: 5
    case .unsupported: 6
    case .alreadyInProgress: 7
    case .hostCall: 8
    case .cancelled: 9
    case .other: 10
    case .rebuildIncomplete: 11
    case .rewindIncomplete: 12
    }
  }
}
