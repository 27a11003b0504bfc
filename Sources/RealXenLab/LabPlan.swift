/// The scenarios the labs run on one guest, each named as its result rows are.
public enum GuestScenario: String, CaseIterable, Sendable {
  /// `xen-resume status`: guest type, width, path, state, and the libxenctrl the binary loaded.
  case status
  /// Five suspend + fast resume cycles, the guest alive after each.
  case fastCycles = "fast-cycles"
  /// xen-resume's checkpoint blocks interleaved with the C client's cycles: rows "checkpoint" and "compare".
  case compare
  /// Both tools' paced processes interleaved a cycle at a time: the pause ratio with its interval, stages and counts.
  case pauseCompare = "pause-compare"
  /// Both tools' back-to-back loops: rows "checkpoint" (xen-resume's loop, judged alone) and "rate".
  case rate
  /// vcpu0's registers across a fast resume (PV: rax set to 1; pure HVM: untouched).
  case registers
  /// A slow resume of a PV-aware guest is refused without `--confirm-slow`, nothing touched.
  case slowRefused = "slow-refused"
  /// The hypervisor-shutdown path is refused for a PV-aware guest, nothing touched.
  case shutdownRefused = "shutdown-refused"
  /// Resuming a running domain fails and changes nothing.
  case errorResumeRunning = "error-resume-running"
  /// A suspend that times out withdraws its request.
  case errorSuspendTimeout = "error-suspend-timeout"
  /// The C client's uncooperative resume of a domain it forced down (the baseline of `uncooperative`).
  case cUncooperative = "c-uncooperative"
  /// xen-resume's uncooperative resume of a domain the C client forced down.
  case uncooperative
  /// A pure HVM guest survives a slow resume.
  case slowHVM = "slow-hvm"
  /// The device model runs on through the group's suspends (sampled at the group's start and here).
  case deviceModel = "device-model"
  /// Every xenstore-path suspend of the group worked, and the C client was always woken by @releaseDomain.
  case xsResume = "xs-resume"
  /// A PVH or PVHVM guest's slow resume through Xen's soft reset, with its memory changed while suspended, then a
  /// second suspend through its xenstore (the survival matrix's soft-reset cell; may kill it).
  case slowSoftReset = "slow-soft-reset"
  /// What the guest does after a confirmed same-domain slow resume without a soft reset (the survival matrix; may
  /// kill it).
  case slowOutcome = "slow-outcome"
  /// An event channel guest's checkpoints through its channel against the xenstore path, alternating.
  case pathCompare = "path-compare"
  /// xen-resume and libxenguest exclude each other through the suspend lock, and neither leaves anything behind.
  case channelLock = "evtchn-lock"
  /// A guest that advertises a channel but never answers: a timeout, the guest running on.
  case channelSilent = "evtchn-silent"
  /// A guest that crashes instead of suspending while its channel is subscribed: reported at once (kills it).
  case channelCrash = "evtchn-crash"

  /// Whether it times pauses or rates against the C client. Such a scenario waits until the lab's first wave of guests
  /// has booted, so that the measurements do not starve the device-model guests' boots and the boots do not distort
  /// the measurements.
  public var measuresPauses: Bool {
    switch self {
    case .compare, .pauseCompare, .rate, .pathCompare: true
    default: false
    }
  }

  /// The result rows it reports.
  public var rows: [String] {
    switch self {
    case .compare: ["checkpoint", "compare"]
    case .rate: ["checkpoint", "rate"]
    default: [rawValue]
    }
  }
}

/// What a lab runs and so what a complete run reports: the one place that says which scenario runs on which guest.
/// dom0's driver runs a guest's `group(for:)` in order as soon as the guest is up, then its `afterSuite(for:)` once the
/// lifecycle scenarios and the conformance suite are done; the report expects `expected(lab:guests:)`.
public enum LabPlan {
  /// The scenarios of a guest's own group, in the order they run (a forced suspend, the one scenario that may leave a
  /// guest broken, comes last but for the slow resumes).
  public static func group(for guest: LabGuest) -> [GuestScenario] {
    if guest.role == .throwaway { return [.slowOutcome] }
    // The main guests and the event channel guests measure each guest type's and path's pause: the paced
    // comparison, then the loops' rates. A guest there for another kernel gets the shorter block comparison.
    var scenarios: [GuestScenario] = [.status, .fastCycles]
    scenarios += guest.role == .kernel ? [.compare] : [.pauseCompare, .rate]
    // An event channel guest's cycles and comparisons go through its channel, then its own scenarios; the other
    // scenarios of its type are the main guest's. The PVH one ends with the crash.
    if guest.role == .eventChannel { return scenarios + [.pathCompare, .channelLock, .channelSilent] }
    switch guest.type {
    case .pv:
      scenarios += [
        .registers, .slowRefused, .shutdownRefused, .errorResumeRunning, .errorSuspendTimeout, .cUncooperative,
        .uncooperative, .xsResume,
      ]
    case .pvh: scenarios += [.slowRefused, .shutdownRefused, .xsResume]
    case .pvhvm: scenarios += [.slowRefused, .shutdownRefused, .deviceModel, .xsResume]
    case .hvm: scenarios += [.registers, .slowHVM, .deviceModel]
    }
    // A guest there for another kernel ends its group with the slow resumes; a main guest's come after the suite
    // (below), since the lifecycle scenarios and the conformance suite still need it.
    if guest.role == .kernel { scenarios += slowResumes(of: guest.type) }
    return scenarios
  }

  /// The scenarios of a guest after the lifecycle scenarios and the conformance suite: the main PVH and PVHVM guests'
  /// slow resumes (the main PV guest is the xenstored-lost scenario's, and the throwaway guest gives PV's cell), and
  /// the PVH event channel guest's crash.
  public static func afterSuite(for guest: LabGuest) -> [GuestScenario] {
    switch guest.role {
    case .main: guest.type == .pvh || guest.type == .pvhvm ? slowResumes(of: guest.type) : []
    // The crash kills the guest, so it waits for the event channel lifecycle run.
    case .eventChannel: guest.type == .pvh ? [.channelCrash] : []
    case .kernel, .throwaway: []
    }
  }

  /// The slow resumes that end a guest's use, for the survival matrix: a PVH or PVHVM guest's soft-reset resume, which
  /// leaves it running when it survives, then the same-domain resume that kills it; a PV guest's same-domain resume
  /// alone (Xen crashes a PV domain it is asked to soft reset); none for pure HVM (its `slow-hvm` is in its group).
  static func slowResumes(of type: GuestKind) -> [GuestScenario] {
    switch type {
    case .pv: [.slowOutcome]
    case .pvh, .pvhvm: [.slowSoftReset, .slowOutcome]
    case .hvm: []
    }
  }

  /// The main guests (the lifecycle scenarios' and the conformance suite's), in table order.
  public static func mainGuests(_ guests: [LabGuest]) -> [LabGuest] { guests.filter { $0.role == .main } }

  /// Every row a complete run of `guests` (the lab's, or the subset a local run started) reports.
  public static func expected(lab: Lab, guests: [LabGuest]) -> [ResultKey] {
    var rows = [ResultKey("dom0-ready", "dom0")]
    for guest in guests {
      rows.append(ResultKey("boot", guest.name))
      for scenario in group(for: guest) + afterSuite(for: guest) {
        rows += scenario.rows.map { ResultKey($0, guest.name) }
      }
    }
    if guests.contains(where: { $0.role == .throwaway }) {
      rows += [ResultKey("error-unknown-domain", "none"), ResultKey("error-dom0", "dom0")]
    }
    rows.append(ResultKey("status-all", "dom0"))
    let main = mainGuests(guests)
    rows += LifecycleJudge.expectedRows(
      mainGuests: main, channelGuests: lab.runsLifecycle ? guests.filter { $0.role == .eventChannel } : [],
      runsLifecycle: lab.runsLifecycle)
    rows += ConformanceJudge.expectedRows(mainGuests: main)
    return rows
  }
}
