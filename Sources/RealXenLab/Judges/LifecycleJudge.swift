/// The lifecycle scenarios in a lab: how dom0 runs `xen-resume-lifecycle`, which rows a complete run reports, and
/// how the program's stdout becomes those rows' facts (judged by `LifecycleScenarioFacts` and the shared
/// `ProgramSummaryFacts`, `ProgramRunFacts`).
///
/// The program prints one JSON object per step, `{"lifecycle":NAME,"step":STEP,"guest":TYPE,"domain":ID,
/// "outcome":"passed"|"failed"|"skipped","detail":TEXT,"milliseconds":N,"facts":{…}}` (Sources/XenResumeLifecycle's
/// `LifecycleResult`), then `{"lifecycleSummary":{"passed":N,"failed":N,"skipped":N}}`, and exits 0 when nothing
/// failed. A guest's steps in a scenario stop at the first one that leaves it unusable for the next: the judge then
/// reports the steps that never came.
public enum LifecycleJudge {
  /// The row prefix of a scenario on a guest: "lifecycle/NAME".
  public static let prefix = "lifecycle/"

  /// The scenarios dom0's lifecycle run asks for, in order. domid-reuse is left out: `xl restore` of the image
  /// `xl save -D` wrote fails in this lab ("cannot make domain: -3"), cause not found yet (README); the simulator
  /// proves the controller's side.
  public static let dom0Scenarios = ["foreign-suspend", "leftover-subscription", "eventchannel-then-xenstore"]

  /// The scenario dom0 runs again over the event channel guests, in a run of its own.
  public static let channelScenario = "eventchannel-then-xenstore"
  /// That run's row [dom0].
  public static let channelRun = "evtchn-lifecycle-run"

  /// The scenario of dom0's very last act, a second run of the program: xenstored is killed under a waiting suspend.
  public static let xenstoredLost = "xenstored-lost"

  /// Every step a scenario reports on a guest that gets all of them, in order (see `steps(of:for:)`).
  public static let scenarioSteps: [String: [String]] = [
    // PV-aware guests then get round (b): the C reference client suspends cooperatively and resumes fast itself.
    "foreign-suspend": [
      "cycle-1", "cycle-2", "other-suspends", "refuse-suspend", "refuse-resume", "other-resumes", "cycle-3",
      "c-suspends", "c-refuse-suspend", "c-refuse-resume", "c-resumes", "cycle-4",
    ],
    "leftover-subscription": ["other-subscribes", "suspend", "other-unsubscribes", "cycle-after"],
    "eventchannel-then-xenstore": ["plan", "event-channel", "xenstore", "forget-then-other"],
    "domid-reuse": ["checkpoint-before", "replace", "checkpoint-after"],
    "xenstored-lost": ["suspend-while-xenstored-dies"],
  ]

  /// The steps that may be reported "skipped", by scenario, and what the skip's detail must say. No main guest
  /// advertises a suspend event channel (no upstream Linux does), so there the event channel scenario may only say so
  /// and stop; an event channel guest (which does) may skip nothing.
  public static let maySkip = ["eventchannel-then-xenstore": ["plan": "advertises no suspend event channel"]]

  /// The steps that are one controller cycle (suspend and fast resume): the guest must run and be alive after each.
  public static let cycleSteps: Set<String> = [
    "cycle-1", "cycle-2", "cycle-3", "cycle-4", "cycle-after", "event-channel", "xenstore",
  ]

  /// The seconds dom0 keeps for the conformance suite after the lifecycle run.
  public static let reserveSeconds = 120.0

  /// The longest the lifecycle run may take (dom0's deadline, less the reserve, may cut it shorter).
  public static let runLimitSeconds = 900.0

  /// The longest the xenstored-lost run may take (its suspend times out after 60 s; the step gives up 15 s later).
  public static let xenstoredLostLimitSeconds = 120.0

  /// Whether the program runs `scenario` on a guest of type `kind` (XenResumeLifecycle's `applies(to:)`).
  public static func applies(_ scenario: String, to kind: GuestKind) -> Bool {
    switch scenario {
    case "foreign-suspend": true
    case "leftover-subscription", "eventchannel-then-xenstore": kind.isPVAware
    // The harness runs xenstored-lost on the PV guest only (the program would take any PV-aware one).
    case "domid-reuse", "xenstored-lost": kind == .pv
    default: false
    }
  }

  /// The steps a row must report, in order: round (b) of foreign-suspend needs a PV-aware guest.
  public static func steps(of scenario: String, for kind: GuestKind) -> [String] {
    let steps = scenarioSteps[scenario] ?? []
    if scenario == "foreign-suspend" && !kind.isPVAware, let last = steps.firstIndex(of: "cycle-3") {
      return Array(steps[...last])
    }
    return steps
  }

  /// The rows a complete run over `mainGuests` reports: with the lifecycle scenarios (`runsLifecycle`),
  /// "lifecycle-run" and "lifecycle-summary" [dom0], each scenario on each guest it applies to, and
  /// "lifecycle-alive" per guest; always "xenstored-lost-run" [dom0] and "lifecycle/xenstored-lost" on the PV guest.
  public static func expectedRows(
    mainGuests: [LabGuest], channelGuests: [LabGuest] = [], runsLifecycle: Bool
  ) -> [ResultKey] {
    var rows: [ResultKey] = []
    if runsLifecycle {
      rows += [ResultKey("lifecycle-run", "dom0"), ResultKey("lifecycle-summary", "dom0")]
      for scenario in dom0Scenarios {
        rows += mainGuests.filter { applies(scenario, to: $0.type) }.map { ResultKey(prefix + scenario, $0.name) }
      }
      rows += mainGuests.map { ResultKey("lifecycle-alive", $0.name) }
    }
    rows.append(ResultKey("xenstored-lost-run", "dom0"))
    rows += channelGuests.map { ResultKey(prefix + channelScenario, $0.name) }
    if !channelGuests.isEmpty { rows.append(ResultKey(channelRun, "dom0")) }
    rows += mainGuests.filter { $0.type == .pv }.map { ResultKey(prefix + xenstoredLost, $0.name) }
    return rows
  }

  /// What one run printed, ready to record.
  public struct Output: Sendable {
    /// One entry per (scenario, guest) the program reported a step of, in the order first seen.
    public var scenarios: [LifecycleScenarioFacts]
    /// The summary row's facts; `nil` when the program printed no summary (it died midway).
    public var summary: ProgramSummaryFacts?
    /// The stdout lines that are neither a step nor the summary.
    public var otherStdout: [String]
    /// The step lines read.
    public var stepLines: Int
    /// The step and summary lines read.
    public var resultLines: Int
  }

  /// Reads the stdout of `run`; `domains` is the domain dom0 gave each guest type (`--guest ID:TYPE:LOG`).
  public static func read(_ run: CommandRecord, domains: [String: Int]) -> Output {
    let lines = ProgramLines(stdout: run.stdout)
    var steps: [LifecycleStepLine] = []
    var summaries: [JSONDocument] = []
    var other = lines.other
    for object in lines.objects {
      if let step = LifecycleStepLine(object) {
        steps.append(step)
      } else if let summary = object["lifecycleSummary"] {
        summaries.append(summary)
      } else {
        other.append(object.text)
      }
    }
    // A row is judged over all of its steps, so they are gathered first (the guests of a scenario run at once and
    // their lines interleave).
    var order: [LifecycleStepLine.RowKey] = []
    var byRow: [LifecycleStepLine.RowKey: [LifecycleStepLine]] = [:]
    for step in steps {
      if byRow[step.rowKey] == nil { order.append(step.rowKey) }
      byRow[step.rowKey, default: []].append(step)
    }
    let scenarios = order.map { key in
      LifecycleScenarioFacts(
        scenario: key.scenario, guest: key.guest, givenDomain: key.guest.flatMap { domains[$0] },
        steps: byRow[key] ?? [])
    }
    let summary = summaries.first.map { first in
      ProgramSummaryFacts(
        program: .lifecycle, summary: first, summaryLines: summaries.count, seen: OutcomeCounts(steps.map(\.outcome)),
        rc: run.rc, timedOut: run.timedOut)
    }
    return Output(
      scenarios: scenarios, summary: summary, otherStdout: other, stepLines: steps.count,
      resultLines: steps.count + summaries.count)
  }
}
