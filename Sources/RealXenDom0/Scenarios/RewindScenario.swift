import DomZeroProcess
import Glibc
import RealXenLab

extension Dom0Lab {
  /// rewind (`RewindFacts`). A PVH guest, one guest at a time after the conformance suite: `xen-resume capture` into
  /// /tmp (RAM in dom0: a 128 MiB guest's file beside dom0's 1 GiB), the counter left to run on well past the captured
  /// point, the capture offered to the lab's other PVH guest (`wrongDomainRewind`), `xen-resume rewind`, the counter
  /// watched going back and on, then three checkpoints. A PVHVM guest, just before its slow resumes: the capture
  /// alone, which must be refused. The file is deleted at the end.
  public func rewind(_ guest: GuestRun) async {
    let file = "/tmp/rewind-\(guest.domain).capture"
    let tmpFree = FileTail.freeBytes("/tmp").map { Int(clamping: $0) }
    let counterAtCapture = GuestConsole.counter(of: guest.guest)
    let capture = await tools.xenResume(["capture", guest.id, file, "--json"], limit: 120)
    let fileBytes = FileTail.size(file)
    let stateAfterCapture = await xen.domain(guest.domain)
    var facts = RewindFacts(
      type: guest.kind, kernel: guest.guest.kernel, file: file, tmpFreeBytes: tmpFree,
      counterAtCapture: counterAtCapture, capture: capture, fileBytes: fileBytes, stateAfterCapture: stateAfterCapture)
    if guest.kind == .pvh && capture.succeeded { await rewindCaptured(guest, from: file, &facts) }
    // A rewind that began writing the memory back, or soft reset the domain, holds it paused: resuming it would run a
    // half-rewound guest (xen-resume says such a domain must be rewound again or destroyed).
    let kind = facts.rewind?.document?["error"]?["kind"]?.string
    if kind == "rewindIncomplete" || kind == "rebuildIncomplete" {
      facts.recovered = "left alone: the rewind failed with \(kind ?? "")"
    } else {
      facts.recovered = await recover(guest, .fast)
    }
    facts.aliveAtEnd = await GuestConsole.alive(guest.guest)
    facts.finalState = await xen.domain(guest.domain)
    facts.console = SlowConsole.tail(SlowConsole.read(guest.consoleLog))
    unlink(file)
    record(GuestScenario.rewind.rawValue, guest: guest.guest, facts)
  }

  /// A PVH guest's capture in `file`: the counter runs on well past the captured point, the wrong-domain rewind, the
  /// rewind (its counters watched from the command's start until they went back and ran on), then the checkpoints.
  private func rewindCaptured(_ guest: GuestRun, from file: String, _ facts: inout RewindFacts) async {
    _ = await GuestConsole.counter(
      of: guest.guest, reaching: facts.counterAtCapture + RewindFacts.ticksBeforeRewind, within: 40)
    facts.wrongDomain = await wrongDomainRewind(to: file, capturedFrom: guest.guest)
    let before = GuestConsole.counter(of: guest.guest)
    facts.counterBeforeRewind = before
    let lines = SlowConsole.lineCount(SlowConsole.read(guest.consoleLog))
    let rewind = await tools.xenResume(["rewind", guest.id, file, "--json"], limit: 120)
    facts.rewind = rewind
    facts.countersSinceRewind = await GuestConsole.counters(
      of: guest.guest, afterLine: lines, within: rewind.succeeded ? Double(Self.slowWatchSeconds) : 0
    ) { RewindFacts.ranOnAfterGoingBack($0, before: before) }
    guard rewind.succeeded else { return }
    facts.checkpoint = await tools.xenResume(
      ["checkpoint", guest.id, "--count", String(RewindFacts.checkpointCycles), "--interval", "25ms", "--json"],
      limit: 120)
  }

  /// The capture of `captured` in `file`, offered to the lab's other PVH guest, which must refuse it before anything is
  /// asked of that guest: Xen's view and its counter around it, and a `xenstore-watch` on its `control/shutdown`
  /// (registered before the rewind starts: its first event says so) to see any suspend request. Nothing else runs on
  /// the guests meanwhile.
  private func wrongDomainRewind(to file: String, capturedFrom captured: LabGuest) async -> WrongDomainRewindFacts {
    guard let other = LabPlan.rewindPartner(of: captured, in: lab) else {
      return WrongDomainRewindFacts(guest: nil, domain: nil, notTried: "the lab has no other PVH guest")
    }
    guard let domain = await xen.domainID(of: other) else {
      return WrongDomainRewindFacts(guest: other.name, domain: nil, notTried: "\(other.domainName) is not running")
    }
    var facts = WrongDomainRewindFacts(guest: other.name, domain: domain)
    facts.stateBefore = await xen.domain(domain)
    facts.aliveBefore = await GuestConsole.alive(other)
    let errors = "/tmp/rx-rewind-watch.err"
    let watch = try? LineChild(["xenstore-watch", "/local/domain/\(domain)/control/shutdown"], errorPath: errors)
    facts.watchRegistered = await watch?.nextLine(within: .seconds(30)) != nil
    facts.rewind = await tools.xenResume(["rewind", String(domain), file, "--json"], limit: 120)
    if facts.watchRegistered, let watch {
      // A write during the rewind is an event already waiting; 2 s without one ends the watch (the child is killed).
      while facts.shutdownNodeEvents.count < 8, let event = await watch.nextLine(within: .seconds(2)) {
        facts.shutdownNodeEvents.append(event)
      }
    }
    _ = await watch?.finish(within: .seconds(2))
    unlink(errors)
    facts.stateAfter = await xen.domain(domain)
    facts.aliveAfter = await GuestConsole.alive(other)
    facts.recovered = await recover(GuestRun(guest: other, domain: domain), .fast)
    return facts
  }
}
