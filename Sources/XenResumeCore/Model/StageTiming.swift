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
    /// Suspend, every path: from the start until the domain's state and the facts that may change were read and
    /// the path chosen (the suspend subscription cleared on paths that wait for `@releaseDomain`); nothing has been
    /// asked of the guest yet.
    case planned
    /// Suspend, xenstore control path: from `planned` until the request went out: `suspend` written to
    /// `control/shutdown`.
    case requestWritten
    /// Suspend, event channel and hypervisor paths: from `planned` until the request went out: the guest's suspend
    /// port notified (bound and subscribed first on the session's first suspend), or
    /// `xc_domain_shutdown(SHUTDOWN_suspend)` returned.
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
    /// Rewind: the domain paused once more, and the captured memory and HVM context written into it.
    case stateReplaced
    /// Slow resume of a PVH or PVHVM guest: the domain paused once more (for a rewind, from `stateReplaced`) and `XEN_DOMCTL_soft_reset` returned (every
    /// event channel closed, every vcpu_info registration dropped; Xen resumed it, the extra pause still holds it).
    case softReset
    /// Slow resume of a PVH or PVHVM guest: new xenstore and console ports allocated and named in its HVM
    /// parameters, the domain introduced to xenstored again (and its new port found bound), `console/port` written
    /// for xenconsoled, and XS_RESUME sent.
    case channelsRebuilt
    /// Resume, every mode: `XEN_DOMCTL_resumedomain` returned (Xen lets the domain run again); after a soft reset,
    /// the extra pause taken back.
    case domainResumed
    /// Resume, every mode: XS_RESUME sent to xenstored (a soft-reset resume sent it in `channelsRebuilt`), and the
    /// controller's bookkeeping done (a suspend lock the resume took for itself released).
    case xenstoreResumed

    /// Words for people: `request written`, `return register set`.
    public var description: String {
      switch self {
      case .planned: "planned"
      case .requestWritten: "request written"
      case .requestSent: "request sent"
      case .acknowledged: "acknowledged"
      case .suspended: "suspended"
      case .stateChecked: "state checked"
      case .returnRegisterSet: "return register set"
      case .startInfoRewritten: "start_info rewritten"
      case .secondaryVCPUsReset: "secondary vcpus reset"
      case .stateReplaced: "state replaced"
      case .softReset: "soft reset"
      case .channelsRebuilt: "channels rebuilt"
      case .domainResumed: "domain resumed"
      case .xenstoreResumed: "xenstore resumed"
      }
    }
  }
}

/// An operation's stage durations in the order they happened, held inline: an array would cost an allocation per
/// operation, and a checkpoint loop suspends and resumes many times a second. Room for five, the most any operation
/// passes (a slow resume of a PV guest; a suspend passes at most four), so `SuspendedDomain` and `ResumedDomain`
/// stay small: the async frames that carry them are allocated per task, and the parallel benchmark's tasks paid for
/// every byte more. Only a rewind (six stages, an operation that copies a whole guest's memory anyway) and stages
/// given to a public initialiser outnumber that; they are then kept in an array.
struct StageDurations: Sendable, Hashable {
  private static let capacity = 5
  private var count = 0
  private var stages: (Stage, Stage, Stage, Stage, Stage) = (.suspended, .suspended, .suspended, .suspended, .suspended)
  private var durations: (Duration, Duration, Duration, Duration, Duration) = (.zero, .zero, .zero, .zero, .zero)
  /// Every stage, instead of the inline ones, when there are more than fit.
  private var overflow: [StageTiming]?

  typealias Stage = StageTiming.Stage

  /// No stage measured.
  init() {}

  /// The given stages in `Stage`'s order, whatever the order given; a stage given twice keeps its last duration.
  init(_ timings: some Sequence<StageTiming>) {
    var latest = [Duration?](repeating: nil, count: Stage.allCases.count)
    for timing in timings { latest[Stage.allCases.firstIndex(of: timing.stage)!] = timing.duration }
    for (stage, duration) in zip(Stage.allCases, latest) {
      if let duration { append(stage, duration) }
    }
  }

  /// Adds the stage after the ones already there.
  mutating func append(_ stage: Stage, _ duration: Duration) {
    if overflow == nil && count == Self.capacity { overflow = timings }
    if overflow != nil {
      overflow!.append(StageTiming(stage: stage, duration: duration))
      return
    }
    switch count {
    case 0: (stages.0, durations.0) = (stage, duration)
    case 1: (stages.1, durations.1) = (stage, duration)
    case 2: (stages.2, durations.2) = (stage, duration)
    case 3: (stages.3, durations.3) = (stage, duration)
    default: (stages.4, durations.4) = (stage, duration)
    }
    count += 1
  }

  /// The entry at `index`, below `count`.
  private func entry(_ index: Int) -> StageTiming {
    switch index {
    case 0: StageTiming(stage: stages.0, duration: durations.0)
    case 1: StageTiming(stage: stages.1, duration: durations.1)
    case 2: StageTiming(stage: stages.2, duration: durations.2)
    case 3: StageTiming(stage: stages.3, duration: durations.3)
    default: StageTiming(stage: stages.4, duration: durations.4)
    }
  }

  /// The stage's duration, `nil` when the operation did not pass it.
  subscript(stage: Stage) -> Duration? {
    if let overflow { return overflow.last { $0.stage == stage }?.duration }
    for index in 0..<count where entry(index).stage == stage { return entry(index).duration }
    return nil
  }

  /// The stages in order.
  var timings: [StageTiming] {
    overflow ?? (0..<count).map(entry)
  }

  static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.timings == rhs.timings
  }

  func hash(into hasher: inout Hasher) {
    hasher.combine(timings)
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
    durations.append(stage, now - last)
    last = now
  }

  /// From the start to the last mark: the sum of every stage marked.
  var total: Duration { last - start }
}
