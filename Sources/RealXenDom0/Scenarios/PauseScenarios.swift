import DomZeroProcess
import Glibc
import RealXenLab
import SeededRandom

extension Dom0Lab {
  /// pause-compare: xen-resume's and the C client's paced processes, both started once and kept warm, take turns on
  /// the guest a cycle at a time, in an order drawn per pair from a generator seeded with the guest's name, until
  /// each has `options.pauseCycles` cycles or `options.pauseBudget` seconds have passed (and each has at least
  /// `PauseCompareFacts.minimumCycles`). Each tool measures its own pause, stages and process counts; dom0 keeps the
  /// pauses and reduces the rest.
  public func pauseCompare(_ guest: GuestRun) async {
    let wanted = options.pauseCycles
    let budget = options.pauseBudget
    var generator = SplitMix64(seedingWith: guest.guest.name)
    let seed = generator.next()
    generator = SplitMix64(seed: seed)
    let swiftErrors = "/tmp/rx-paced-swift-\(guest.guest.name).err"
    let cErrors = "/tmp/rx-paced-c-\(guest.guest.name).err"
    var swiftCycles: [PacedCycleDocument] = []
    var cCycles: [PacedCycleDocument] = []
    var swiftEnd: String?
    var cEnd: String?
    var swiftExit: Int32?
    var cExit: Int32?
    var cutByBudget = false
    var swiftSyscalls: SyscallCounts?
    var cSyscalls: SyscallCounts?
    let onXenstore = guest.guest.expectedSuspendPath == "xenstoreControl"
    do {
      // The path both take is the guest's own (the C client needs it named; xen-resume chooses it as libxl does).
      let swift = try LineChild(
        [tools.paths.xenResume, "checkpoint", guest.id, "--paced", "--json"], errorPath: swiftErrors)
      let c = try LineChild(
        [tools.paths.cClient, "paced", guest.id, "--path", guest.guest.cClientPath], errorPath: cErrors)
      let clock = ContinuousClock()
      let start = clock.now
      // A cycle's own timeout is 60 s; its line may take that long and a little more.
      let cycleLimit = Duration.seconds(90)
      pairs: while swiftCycles.count < wanted || cCycles.count < wanted {
        // The budget stops the run only once each tool has the judge's minimum: a guest whose pause takes seconds
        // (PVHVM on the 4.20 lab: 5-6 s) would otherwise stop short of it.
        let hasMinimum = min(swiftCycles.count, cCycles.count) >= PauseCompareFacts.minimumCycles
        if hasMinimum, start.duration(to: clock.now) >= .seconds(budget) {
          cutByBudget = true
          break
        }
        let swiftFirst = Bool.random(using: &generator)
        for isSwift in swiftFirst ? [true, false] : [false, true] {
          let child = isSwift ? swift : c
          if isSwift, onXenstore { tally(guest.guest) { $0.swiftXenstoreSuspendsAsked += 1 } }
          guard child.send("cycle"), let line = await child.nextLine(within: cycleLimit) else {
            let end = "ended without answering (see \(isSwift ? swiftErrors : cErrors))"
            if isSwift { swiftEnd = end } else { cEnd = end }
            break pairs
          }
          let cycle = LabJSON.decode(PacedCycleDocument.self, from: line)
          guard let cycle, cycle.completed else {
            let end = cycle?.error ?? "an unreadable line: \(line.prefix(200))"
            if isSwift { swiftEnd = end } else { cEnd = end }
            break pairs
          }
          if isSwift { swiftCycles.append(cycle) } else { cCycles.append(cycle) }
        }
      }
      // The traced runs come after the timed one, each tool alone, so tracing slows no measured cycle.
      if swiftEnd == nil, cEnd == nil, options.straceCycles > 0 {
        swiftSyscalls = await syscalls(of: swift, cycles: options.straceCycles, label: "swift-\(guest.guest.name)")
        cSyscalls = await syscalls(of: c, cycles: options.straceCycles, label: "c-\(guest.guest.name)")
      }
      swiftExit = await swift.finish(within: .seconds(30))
      cExit = await c.finish(within: .seconds(30))
    } catch {
      swiftEnd = "\(error)"
    }
    let liveness = await GuestConsole.alive(guest.guest)
    let recovered = await recover(guest, .fast)
    tally(guest.guest) { tally in
      tally.cycles += swiftCycles.count + cCycles.count
      if onXenstore { tally.swiftXenstoreSuspends += swiftCycles.count }
      tally.pacedMedianPause = SampleStatistics.median(
        swiftCycles.compactMap(\.pauseMicroseconds) + cCycles.compactMap(\.pauseMicroseconds))
    }
    record(
      GuestScenario.pauseCompare.rawValue, guest: guest.guest,
      PauseCompareFacts(
        path: guest.guest.expectedSuspendPath, wanted: wanted, cutByBudget: cutByBudget, budgetSeconds: budget,
        seed: seed, swift: PacedToolSummary(swiftCycles, endedBy: swiftEnd, syscalls: swiftSyscalls),
        c: PacedToolSummary(cCycles, endedBy: cEnd, syscalls: cSyscalls), swiftExit: swiftExit, cExit: cExit,
        liveness: liveness,
        recovered: recovered))
  }

  /// rate, with "checkpoint": xen-resume's back-to-back loop (`--interval 0s`, every cycle's stages), then the C
  /// client's on the same path, `RateFacts.cycles` each (from the paced comparison's median pause and
  /// `options.rateBudget`). xen-resume's loop is also judged alone as the guest's "checkpoint" row.
  public func rate(_ guest: GuestRun) async {
    let median = tally(of: guest.guest).pacedMedianPause
    let count = RateFacts.cycles(budget: options.rateBudget, medianPauseMicroseconds: median)
    let onXenstore = guest.guest.expectedSuspendPath == "xenstoreControl"
    // Five times the expected loop and two minutes more: a loop is slow only when something is wrong.
    let limit = Double(count) * (median ?? 1_000_000) / 1e6 * 5 + 120
    if onXenstore { tally(guest.guest) { $0.swiftXenstoreSuspendsAsked += count } }
    let swift = await tools.xenResume(
      ["checkpoint", guest.id, "--count", String(count), "--interval", "0s", "--cycle-details", "--json"],
      limit: limit, outputBytes: RateFacts.documentBytes)
    let swiftCycles = swift.decode(XenResumeCheckpointDocument.self)?.succeeded ?? 0
    tally(guest.guest) { tally in
      tally.cycles += swiftCycles
      if onXenstore { tally.swiftXenstoreSuspends += swiftCycles }
    }
    var c: CommandRecord?
    if swift.succeeded {
      // One C cycle right after xen-resume's loop shows whether the loop left XS_RESUME done: its suspend must be
      // announced by @releaseDomain (the xs-resume row). The C client's own loop below does not count there: back
      // to back, it may find a suspend by its 200 ms re-read and send XS_RESUME before xenstored has handled the
      // suspend's VIRQ_DOM_EXC, and xenstored then never fires @releaseDomain for it (seen for 2 or 3 of 100
      // cycles on the 4.17 lab), which says nothing about xen-resume.
      let first = await tools.cReleaseDomainProbe(guest.id, path: guest.guest.cClientPath, limit: limit)
      let seenBy = first.decode(CClientCycleDocument.self)?.seenBy
      // Its seenBy is not read, so it does not wait for late @releaseDomain events: each suspend xenstored never
      // announces would otherwise add the client's 10 s late-event wait to the loop (on the 4.17 lab's pure HVM guest
      // that pushed 200 cycles of 62 ms past the loop's limit in three runs of three, and would understate C's rate).
      let loop = await tools.cClient(
        [
          "cycle", guest.id, "--count", String(count), "--path", guest.guest.cClientPath, "--late-release-ms", "0",
        ], limit: limit)
      tally(guest.guest) { tally in
        tally.cycles +=
          (first.decode(CClientCycleDocument.self)?.succeeded ?? 0)
          + (loop.decode(CClientCycleDocument.self)?.succeeded ?? 0)
        tally.cSeenByReleaseDomain += seenBy?.releaseDomain ?? 0
        tally.cSeenByPoll += seenBy?.poll ?? 0
      }
      c = loop
    }
    let liveness = await GuestConsole.alive(guest.guest)
    record(
      "checkpoint", guest: guest.guest,
      CheckpointFacts(
        requested: count, blockSize: count, succeeded: swiftCycles, blocks: [swift],
        failed: swift.succeeded ? nil : swift, liveness: liveness))
    let recovered = await recover(guest, .fast)
    record(
      GuestScenario.rate.rawValue, guest: guest.guest,
      RateFacts(count: count, swift: swift, c: c, liveness: liveness, recovered: recovered))
  }

  /// `strace -f -c` attached to a warm paced process for `cycles` of its cycles, then interrupted, which detaches
  /// it and writes the summary; `nil` when strace could not attach or a cycle failed (the comparison's own cycles
  /// are what the judge reads: the traced ones are for counting only).
  private func syscalls(of tool: LineChild, cycles: Int, label: String) async -> SyscallCounts? {
    let summary = "/tmp/rx-strace-\(label).txt"
    // strace's messages go to its stdout pipe (its stderr opened as /proc/self/fd/1), so its attach message is the
    // line to wait for.
    guard
      let strace = try? LineChild(
        ["strace", "-f", "-c", "-o", summary, "-p", String(tool.pid)], errorPath: "/proc/self/fd/1")
    else { return nil }
    let attached = await strace.nextLine(within: .seconds(30))
    var traced = 0
    if attached?.contains("attached") == true {
      while traced < cycles, tool.send("cycle"), let line = await tool.nextLine(within: .seconds(90)),
        LabJSON.decode(PacedCycleDocument.self, from: line)?.completed == true
      {
        traced += 1
      }
    }
    kill(strace.pid, SIGINT)
    _ = await strace.finish(within: .seconds(30))
    guard traced == cycles else { return nil }
    return SyscallCounts(straceSummary: FileTail.read(summary, maxBytes: 16_384) ?? "", cycles: traced)
  }
}
