import DomZeroProcess
import RealXenLab

/// dom0's driver, run by the image's /rx/main.sh once Xen's tool stack is up: boots the lab's guests, runs each guest's
/// scenario group as soon as it is up (the groups run side by side: under emulation most of a scenario is latency),
/// then the lifecycle scenarios and the conformance suite once over the main guests, then the PVH guests' rewinds one
/// at a time, then the main PVH and PVHVM guests' and the kernel PVH guests' slow resumes (the soft-reset one, then
/// the same-domain one: they may kill them), the diagnostics, and last the act that kills xenstored. Every result
/// is judged where it is recorded and printed as one `@@RESULT` line; `LabPlan` says what runs where.
public enum Dom0Driver {
  /// Runs the lab of Xen `xen` from `table`; 0 when the run got to its end (the results say what passed).
  public static func run(table: LabTable, xen: String) async -> Int32 {
    let console = LabConsole()
    let lab: Lab
    do {
      lab = try table.lab(xen: xen)
    } catch {
      console.line("@@MARK xen-resume-lab: \(error)")
      return 2
    }
    let options = Dom0Options.fromKernel()
    let context = Dom0Lab(lab: lab, options: options, tools: LabTools(deadline: options.deadline), console: console)
    let guests = lab.guests.filter { options.guests?.contains($0.name) ?? true }
    await context.dom0Ready(guests)

    let boot = GuestBoot(lab: context, guests: guests)
    // The lab's choice: measurements held until the first wave's device-model guests have booted, or not.
    let beforeMeasuring: (@Sendable () async -> Void)?
    if lab.holdsForDeviceModelBoots {
      beforeMeasuring = { await boot.awaitFirstWave() }
    } else {
      beforeMeasuring = nil
    }
    let booted = await withTaskGroup(of: GuestRun?.self) { group in
      // HVM-family guests first: they take longest to boot.
      for guest in guests.sorted(by: { $0.type.hasDeviceModel && !$1.type.hasDeviceModel }) {
        group.addTask {
          guard let run = await boot.boot(guest) else { return nil }
          console.mark("\(guest.name) scenarios (domain \(run.domain))")
          await context.runGroup(run, beforeMeasuring: beforeMeasuring)
          return run
        }
      }
      var booted: [GuestRun] = []
      for await run in group { if let run { booted.append(run) } }
      return booted
    }
    let main = guests.filter { $0.role == .main }.compactMap { guest in booted.first { $0.guest == guest } }

    // Every domain, against xl list: now, when every guest that booted is there and nothing destroys one.
    if context.budgetAllows() { await context.statusAll(booted.sorted { $0.domain < $1.domain }) }

    // The lifecycle scenarios, then the conformance suite: only now, when no group touches the guests any more. Both
    // leave every guest running (the lifecycle's PV guest restored under its id), so the suite still gets them all.
    if lab.runsLifecycle && context.budgetAllows() { await context.lifecycle(main) }
    if lab.runsLifecycle && context.budgetAllows() { await context.channelLifecycle(booted) }
    if context.budgetAllows() { await context.conformance(main) }

    // One guest at a time, in table order: each PVH guest's rewind tries its capture on the lab's other PVH guest,
    // which nothing else may touch meanwhile. Then the slow resumes and the crash, side by side.
    for guest in guests where !LabPlan.oneGuestAtATime(for: guest).isEmpty {
      if let run = booted.first(where: { $0.guest == guest }) {
        await context.run(LabPlan.oneGuestAtATime(for: guest), on: run)
      }
    }
    await withTaskGroup(of: Void.self) { group in
      for run in booted where !LabPlan.afterSuite(for: run.guest).isEmpty {
        group.addTask { await context.run(LabPlan.afterSuite(for: run.guest), on: run) }
      }
    }
    console.mark("scenarios-done")
    await context.diagnostics(guests)
    // The very last act: xenstored is killed under a waiting suspend. Nothing may use xenstore after it.
    if options.xenstoredLost { await context.xenStoredLost(main.first { $0.kind == .pv }) }
    console.mark("finished")
    return 0
  }
}

extension Dom0Lab {
  /// "dom0-ready": what `xl info` says, what build.sh put in the image, which guests this run starts.
  func dom0Ready(_ guests: [LabGuest]) async {
    let info = await tools.xl(["info"])
    func field(_ name: String) -> String? {
      info.stdout.split(whereSeparator: \.isNewline).lazy.compactMap { line -> String? in
        let parts = line.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, parts[0].filter({ $0 != " " }) == name else { return nil }
        return String(parts[1].drop { $0 == " " })
      }.first
    }
    let build = FileTail.read("/rx/build-info.json", maxBytes: 8192).flatMap(JSONDocument.parse)
    record(
      "dom0-ready", guest: nil,
      Dom0ReadyFacts(
        uptime: Uptime.seconds(), xenVersion: field("xen_version"), virtCaps: field("virt_caps"), build: build,
        guests: guests.map(\.name)))
  }

  /// A guest's group: its `LabPlan.group(for:)` in order (awaiting `beforeMeasuring` before the first scenario that
  /// measures pauses), then, for the throwaway guest, the error paths that need no guest.
  func runGroup(_ guest: GuestRun, beforeMeasuring: (@Sendable () async -> Void)?) async {
    await run(LabPlan.group(for: guest.guest), on: guest, beforeMeasuring: beforeMeasuring)
    if guest.guest.role == .throwaway {
      if budgetAllows() { await errorUnknownDomain() }
      if budgetAllows() { await errorDomZero() }
    }
  }

  /// Runs `scenarios` on `guest` in order while dom0's deadline allows (the xenstore-path summary only reads the
  /// group's tally, so it always runs). A group with the device-model scenario samples the device model before its first
  /// scenario; `beforeMeasuring`, when given, is awaited once before the first scenario that measures pauses.
  func run(
    _ scenarios: [GuestScenario], on guest: GuestRun, beforeMeasuring: (@Sendable () async -> Void)? = nil
  ) async {
    let sample = scenarios.contains(.deviceModel) ? await deviceModelBegin(guest) : nil
    var gate = beforeMeasuring
    for scenario in scenarios where scenario == .xsResume || budgetAllows() {
      if scenario.measuresPauses, let wait = gate {
        gate = nil
        let since = Uptime.seconds()
        await wait()
        console.mark(
          "\(guest.name): measurements start (waited \(Int(Uptime.seconds() - since)) s for the first wave's boots)")
      }
      switch scenario {
      case .status: await status(guest)
      case .fastCycles: await fastCycles(guest)
      case .compare: await compare(guest)
      case .pauseCompare: await pauseCompare(guest)
      case .rate: await rate(guest)
      case .registers: await registers(guest)
      case .slowRefused: await slowRefused(guest)
      case .shutdownRefused: await shutdownRefused(guest)
      case .errorResumeRunning: await errorResumeRunning(guest)
      case .errorSuspendTimeout: await errorSuspendTimeout(guest)
      case .cUncooperative: await uncooperative(guest, tool: .cClient)
      case .uncooperative: await uncooperative(guest, tool: .xenResume)
      case .slowHVM: await slowHVM(guest)
      case .deviceModel: if let sample { await deviceModel(guest, since: sample) }
      case .xsResume: await xsResume(guest)
      case .pathCompare: await pathCompare(guest)
      case .channelLock: await channelLock(guest)
      case .channelSilent: await channelSilent(guest)
      case .channelCrash: await channelCrash(guest)
      case .slowSoftReset:
        console.mark("soft-reset slow resume of \(guest.name) (domain \(guest.domain))")
        await slowSoftReset(guest)
      case .slowOutcome:
        console.mark("slow-resume outcome of \(guest.name) (domain \(guest.domain))")
        await slowOutcome(guest)
      case .rewind:
        console.mark("rewind of \(guest.name) (domain \(guest.domain))")
        await rewind(guest)
      }
    }
  }
}
