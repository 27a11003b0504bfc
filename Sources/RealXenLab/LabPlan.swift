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
  /// A PVH guest's `xen-resume capture`, its wrong-domain rewind refused on the lab's other PVH guest, then its
  /// `rewind` back to the capture, its counter going back; a PVHVM guest's capture refused as unsupported.
  case rewind
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
/// dom0's driver runs a guest's `group(for:)` in order as soon as the guest is up; once the lifecycle scenarios and the
/// conformance suite are done, every guest's `oneGuestAtATime(for:)`, one guest after the other, then their
/// `afterSuite(for:)` side by side; the report expects `expected(lab:guests:)`.
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
    // A guest there for another kernel ends its group with the slow resumes (a PVHVM one after its refused capture);
    // a PVH one's come after the suite, after its rewind, as a main guest's do (below).
    if guest.role == .kernel && guest.type != .pvh { scenarios += lastScenarios(of: guest.type) }
    return scenarios
  }

  /// The scenarios dom0 runs after the lifecycle scenarios and the conformance suite one guest at a time, before any
  /// guest's `afterSuite(for:)`: the rewind of every PVH guest of the main and kernel roles. Its wrong-domain rewind is
  /// tried on the lab's other PVH guest (`rewindPartner(of:in:)`), which must be running and left alone meanwhile;
  /// and its capture file, a whole guest's memory, is in dom0's RAM (`/tmp`): one at a time.
  public static func oneGuestAtATime(for guest: LabGuest) -> [GuestScenario] {
    guest.type == .pvh && (guest.role == .main || guest.role == .kernel) ? [.rewind] : []
  }

  /// The guest a PVH guest's wrong-domain rewind is tried on: the lab's first other guest rewound one at a time, a PVH
  /// guest of the main or kernel role (another domain of the same type, size and vcpu count, so that only its handle
  /// differs); `nil` when there is none, or `guest` is not one.
  public static func rewindPartner(of guest: LabGuest, in lab: Lab) -> LabGuest? {
    guard !oneGuestAtATime(for: guest).isEmpty else { return nil }
    return lab.guests.first { $0 != guest && !oneGuestAtATime(for: $0).isEmpty }
  }

  /// The scenarios of a guest after the lifecycle scenarios, the conformance suite and the rewinds
  /// (`oneGuestAtATime(for:)`): the main PVH and PVHVM guests' and the kernel PVH guests' slow resumes (the main
  /// PVHVM guest's after its refused capture; the main PV guest is the xenstored-lost scenario's, and the throwaway
  /// guest gives PV's cell), and the PVH event channel guest's crash.
  public static func afterSuite(for guest: LabGuest) -> [GuestScenario] {
    switch guest.role {
    case .main: guest.type == .pvh || guest.type == .pvhvm ? lastScenarios(of: guest.type) : []
    case .kernel: guest.type == .pvh ? lastScenarios(of: guest.type) : []
    // The crash kills the guest, so it waits for the event channel lifecycle run.
    case .eventChannel: guest.type == .pvh ? [.channelCrash] : []
    case .throwaway: []
    }
  }

  /// The scenarios that end a guest's use: a PVHVM guest's capture, which must be refused, then the slow resumes
  /// (a PVH guest's rewind comes before, in `oneGuestAtATime(for:)`).
  static func lastScenarios(of type: GuestKind) -> [GuestScenario] {
    (type == .pvhvm ? [.rewind] : []) + slowResumes(of: type)
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
      for scenario in group(for: guest) + oneGuestAtATime(for: guest) + afterSuite(for: guest) {
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
