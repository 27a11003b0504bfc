import DomZeroProcess
import RealXenLab

extension Dom0Lab {
  /// lifecycle: the lifecycle scenarios (`xen-resume-lifecycle`: one SuspendController for the whole run, a second
  /// libxen connection and xl as "another toolstack"), once, over every booted main guest, after the scenario groups
  /// and before the conformance suite (nothing else touches the guests then). Each guest's console log goes with its
  /// id, for the program's own liveness checks. Rows: "lifecycle/NAME" per scenario and guest (judged over all its
  /// steps), the summary, "lifecycle-run", then "lifecycle-alive" per guest (alive, running, same domain id).
  public func lifecycle(_ guests: [GuestRun]) async {
    let main = suiteGuests(guests)
    let domains = suiteDomains(main)
    func runFacts(_ run: CommandRecord?, _ output: LifecycleJudge.Output?) -> ProgramRunFacts {
      ProgramRunFacts(
        program: .lifecycle, run: run.map(\.withoutStdout), guests: main.map(\.name),
        expectedGuests: startedMainGuests, domains: domains, resultLines: output?.resultLines ?? 0,
        otherStdout: Array((output?.otherStdout ?? []).prefix(20)))
    }
    guard !main.isEmpty else {
      record("lifecycle-run", guest: nil, runFacts(nil, nil))
      return
    }
    // The conformance suite still needs its time after this.
    let limit = min(LifecycleJudge.runLimitSeconds, options.deadline - Uptime.seconds() - LifecycleJudge.reserveSeconds)
    let free = FileTail.freeBytes("/tmp").map { "\($0 >> 20) MiB" } ?? "?"
    console.mark(
      "lifecycle scenarios (\(main.map { "\($0.name)=\($0.domain)" }.joined(separator: " ")), at most "
        + "\(Int(max(5, limit)))s; /tmp: \(free) free)")
    var arguments = main.flatMap { ["--guest", "\($0.id):\($0.kind.rawValue):\($0.consoleLog)"] }
    arguments += LifecycleJudge.dom0Scenarios.flatMap { ["--scenario", $0] }
    // One line per step with its facts (some 50 over four guests): keep all of it.
    let run = await tools.run(.lifecycle, [tools.paths.lifecycle] + arguments, limit: limit, outputBytes: 1 << 20)
    let output = LifecycleJudge.read(run, domains: domains)
    recordScenarios(output, main)
    if let summary = output.summary { record("lifecycle-summary", guest: nil, summary) }
    record("lifecycle-run", guest: nil, runFacts(run, output))
    let observed = await observeAfterRun(main)
    for (guest, liveness, view) in observed {
      // (The PV guest would be a restored domain under the same id, were domid-reuse run.)
      let now = await xen.domainID(of: guest.guest)
      record(
        "lifecycle-alive", guest: guest.guest,
        LifecycleAliveFacts(domid: guest.domain, domidNow: now, liveness: liveness, stateAfter: view))
    }
  }

  /// evtchn-lifecycle: `xen-resume-lifecycle --scenario eventchannel-then-xenstore` over the event channel guests, in
  /// a run of its own (the program knows one guest per type, and these share their types with the main guests), after
  /// their groups. Rows: "lifecycle/eventchannel-then-xenstore" per guest, then "evtchn-lifecycle-run".
  public func channelLifecycle(_ guests: [GuestRun]) async {
    let channel = guests.filter { $0.guest.role == .eventChannel }
    let domains = suiteDomains(channel)
    func runFacts(_ run: CommandRecord?, _ output: LifecycleJudge.Output?) -> ProgramRunFacts {
      ProgramRunFacts(
        program: .lifecycle, run: run.map(\.withoutStdout), guests: channel.map(\.name),
        expectedGuests: startedGuests(.eventChannel), domains: domains, resultLines: output?.resultLines ?? 0,
        otherStdout: Array((output?.otherStdout ?? []).prefix(20)))
    }
    guard !channel.isEmpty else {
      record(LifecycleJudge.channelRun, guest: nil, runFacts(nil, nil))
      return
    }
    var arguments = channel.flatMap { ["--guest", "\($0.id):\($0.kind.rawValue):\($0.consoleLog)"] }
    arguments += ["--scenario", LifecycleJudge.channelScenario]
    let limit = min(300, options.deadline - Uptime.seconds() - LifecycleJudge.reserveSeconds)
    let run = await tools.run(.lifecycle, [tools.paths.lifecycle] + arguments, limit: limit, outputBytes: 1 << 20)
    let output = LifecycleJudge.read(run, domains: domains)
    recordScenarios(output, channel)
    record(LifecycleJudge.channelRun, guest: nil, runFacts(run, output))
  }

  /// Records one "lifecycle/NAME" row per scenario and guest the program reported a step of; a row whose later
  /// steps never came (the run died midway) is judged too, and its missing steps are its problems.
  func recordScenarios(_ output: LifecycleJudge.Output, _ guests: [GuestRun]) {
    for scenario in output.scenarios {
      let guest = guests.first { $0.kind.rawValue == scenario.guest }
      record(
        LifecycleJudge.prefix + scenario.scenario, guest: guest?.guest,
        row: guest?.name ?? scenario.guest ?? "none", scenario)
    }
  }
}
