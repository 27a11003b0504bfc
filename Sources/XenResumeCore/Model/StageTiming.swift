/// How long one stage of a suspend or resume took, on the controller's clock.
///
/// A stage runs from the end of the stage before it (or the start of the operation) to its own mark, so an
/// operation's stages, in order, add up exactly to its `duration`.
public struct StageTiming: Sendable, Hashable {
  /// Which stage.
  public var stage: Stage
  /// How long it took.
  public var duration: Duration

  /// Describes one stage's time.
  public init(stage: Stage, duration: Duration) {
    self.stage = stage
    self.duration = duration
  }

  /// A stage of a suspend or a resume, named after the moment that ends it. The raw values are the names JSON
  /// reports use; the cases are declared in the order an operation passes them.
  public enum Stage: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// Suspend, xenstore control path: from the start (the domain's state and facts read, the path chosen) until
    /// `suspend` was written to `control/shutdown`.
    case requestWritten
    /// Suspend, event channel and hypervisor paths: from the start (the domain's state and facts read, the path
    /// chosen) until the request went out: the guest's suspend port notified (bound and subscribed first on the
    /// session's first suspend), or `xc_domain_shutdown(SHUTDOWN_suspend)` returned.
    case requestSent
    /// Suspend, xenstore control path only: from the request until the controller saw the guest change or delete
    /// `control/shutdown`. The event channel path has no such moment: the guest answers by suspending.
    case acknowledged
    /// Suspend, every path: until Xen reported the domain shut down with reason suspend.
    case suspended
    /// Resume, every mode: from the start until the domain was found suspended (by this controller, when it knows
    /// the domain), the cross-process suspend lock held and the mode allowed.
    case stateChecked
    /// Fast resume of a guest inside its suspend hypercall: vcpu0's context read and its return register set to 1.
    case returnRegisterSet
    /// Slow resume of a PV guest: its p2m and start_info read and checked, and the machine frames of its
    /// xenstore and console rings written back into start_info.
    case startInfoRewritten
    /// Slow resume of a PV guest with more than one vcpu: its secondary vcpus reset.
    case secondaryVCPUsReset
    /// Resume, every mode: `XEN_DOMCTL_resumedomain` returned (Xen lets the domain run again).
    case domainResumed
    /// Resume, every mode: XS_RESUME sent to xenstored, and the controller's bookkeeping done (a suspend lock the
    /// resume took for itself released).
    case xenstoreResumed

    /// Words for people: `request written`, `return register set`.
    public var description: String {
      switch self {
      case .requestWritten: "request written"
      case .requestSent: "request sent"
      case .acknowledged: "acknowledged"
      case .suspended: "suspended"
      case .stateChecked: "state checked"
      case .returnRegisterSet: "return register set"
      case .startInfoRewritten: "start_info rewritten"
      case .secondaryVCPUsReset: "secondary vcpus reset"
      case .domainResumed: "domain resumed"
      case .xenstoreResumed: "xenstore resumed"
      }
    }
  }
}

/// An operation's stage durations, one optional slot per stage, held inline: an array would cost an allocation
/// per operation, and a checkpoint loop suspends and resumes many times a second. Each stage happens at most once
/// per operation, and the cases are declared in the order an operation passes them, so the slots in case order
/// are the stages in the order they happened.
struct StageDurations: Sendable, Hashable {
  private var requestWritten: Duration?
  private var requestSent: Duration?
  private var acknowledged: Duration?
  private var suspended: Duration?
  private var stateChecked: Duration?
  private var returnRegisterSet: Duration?
  private var startInfoRewritten: Duration?
  private var secondaryVCPUsReset: Duration?
  private var domainResumed: Duration?
  private var xenstoreResumed: Duration?

  /// No stage measured.
  init() {}

  /// The given stages; a stage given twice keeps its last duration.
  init(_ stages: some Sequence<StageTiming>) {
    for timing in stages { self[timing.stage] = timing.duration }
  }

  /// The stage's duration, `nil` when the operation did not pass it.
  subscript(stage: StageTiming.Stage) -> Duration? {
    get {
      switch stage {
      case .requestWritten: requestWritten
      case .requestSent: requestSent
      case .acknowledged: acknowledged
      case .suspended: suspended
      case .stateChecked: stateChecked
      case .returnRegisterSet: returnRegisterSet
      case .startInfoRewritten: startInfoRewritten
      case .secondaryVCPUsReset: secondaryVCPUsReset
      case .domainResumed: domainResumed
      case .xenstoreResumed: xenstoreResumed
      }
    }
    set {
      switch stage {
      case .requestWritten: requestWritten = newValue
      case .requestSent: requestSent = newValue
      case .acknowledged: acknowledged = newValue
      case .suspended: suspended = newValue
      case .stateChecked: stateChecked = newValue
      case .returnRegisterSet: returnRegisterSet = newValue
      case .startInfoRewritten: startInfoRewritten = newValue
      case .secondaryVCPUsReset: secondaryVCPUsReset = newValue
      case .domainResumed: domainResumed = newValue
      case .xenstoreResumed: xenstoreResumed = newValue
      }
    }
  }

  /// The measured stages in order.
  var timings: [StageTiming] {
    StageTiming.Stage.allCases.compactMap { stage in
      self[stage].map { StageTiming(stage: stage, duration: $0) }
    }
  }
}

/// Marks the end of each stage of one operation on the controller's clock. Every mark is one clock read, and a
/// stage's duration is the difference between its mark and the one before, so the stages add up exactly to the
/// last mark minus the start.
struct StageMarks {
  /// When the operation started.
  let start: Duration
  /// The last mark (the start until the first stage ends).
  private(set) var last: Duration
  /// The stages marked so far.
  private(set) var durations = StageDurations()

  /// Starts measuring at `start`.
  init(start: Duration) {
    self.start = start
    self.last = start
  }

  /// Ends `stage` at `now`.
  mutating func mark(_ stage: StageTiming.Stage, at now: Duration) {
    durations[stage] = now - last
    last = now
  }

  /// From the start to the last mark: the sum of every stage marked.
  var total: Duration { last - start }
}
