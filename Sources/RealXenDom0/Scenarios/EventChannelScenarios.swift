import Glibc
import RealXenLab

/// The event channel guests' own scenarios: their module (`Tests/RealXen/guest/module`) advertises a suspend event
/// channel, and dom0 steers how it answers through `data/rx-suspend-evtchn`.
extension Dom0Lab {
  /// path-compare: `PathCompareFacts.blockCount` blocks per path, alternating, on the same guest.
  public func pathCompare(_ guest: GuestRun) async {
    let size = String(PathCompareFacts.blockSize)
    var channel: [CommandRecord] = []
    var xenstore: [CommandRecord] = []
    for _ in 0..<PathCompareFacts.blockCount {
      let viaChannel = await tools.xenResume(
        ["checkpoint", guest.id, "--count", size, "--interval", "25ms", "--json"], limit: 600)
      channel.append(viaChannel)
      guard viaChannel.succeeded else { break }
      let viaXenstore = await tools.xenResume(
        ["checkpoint", guest.id, "--count", size, "--interval", "25ms", "--path", "xenstore", "--json"], limit: 600)
      xenstore.append(viaXenstore)
      guard viaXenstore.succeeded else { break }
    }
    let liveness = await GuestConsole.alive(guest.guest)
    let recovered = await recover(guest, .fast)
    record(
      GuestScenario.pathCompare.rawValue, guest: guest.guest,
      PathCompareFacts(channelBlocks: channel, xenstoreBlocks: xenstore, liveness: liveness, recovered: recovered))
  }

  /// evtchn-lock: each of xen-resume and the C client holds the guest's suspend lock while the other tries, then each
  /// works after the other has gone (`EventChannelLockFacts`).
  public func channelLock(_ guest: GuestRun) async {
    // xen-resume holds the lock for its whole checkpoint run; the C client tries once dom0 sees it held.
    async let swiftHolding = tools.xenResume(
      ["checkpoint", guest.id, "--count", "20", "--interval", "250ms", "--json"], limit: 300)
    let lockHeldBySwift = await SuspendLockProbe.awaitHeld(domain: guest.domain, seconds: 60)
    let cWhileSwiftHolds = lockHeldBySwift ? await tools.cClient(["lock", guest.id]) : nil
    let swiftRun = await swiftHolding
    // Right after xen-resume exited: a @releaseDomain-based suspend must be announced by @releaseDomain.
    let cXenstore = await tools.cReleaseDomainProbe(guest.id, path: "xenstore")
    // The C client holds the lock while xen-resume tries.
    async let cHolding = tools.cClient(["lock", guest.id, "--hold-ms", "15000"], limit: 120)
    let lockHeldByC = await SuspendLockProbe.awaitHeld(domain: guest.domain, seconds: 60)
    let swiftWhileCHolds = lockHeldByC ? await tools.xenResume(["suspend", guest.id, "--json"]) : nil
    let stateWhileCHolds = await xen.domain(guest.domain)
    let cRun = await cHolding
    let cChannel = await tools.cClient(["cycle", guest.id, "--path", "evtchn", "--count", "3"], limit: 120)
    let swiftAfter = await tools.xenResume(["checkpoint", guest.id, "--count", "3", "--json"], limit: 300)
    let liveness = await GuestConsole.alive(guest.guest)
    let recovered = await recover(guest, .fast)
    record(
      GuestScenario.channelLock.rawValue, guest: guest.guest,
      EventChannelLockFacts(
        swiftHolding: swiftRun, lockHeldBySwift: lockHeldBySwift, cWhileSwiftHolds: cWhileSwiftHolds, cHolding: cRun,
        lockHeldByC: lockHeldByC, swiftWhileCHolds: swiftWhileCHolds, stateWhileCHolds: stateWhileCHolds,
        cXenstoreAfterSwift: cXenstore, cChannelAfterSwift: cChannel, swiftAfterC: swiftAfter, liveness: liveness,
        recovered: recovered))
  }

  /// evtchn-silent: the module ignores events; the suspend times out and the guest runs on; then it answers again.
  public func channelSilent(_ guest: GuestRun) async {
    let ignore = await answerMode("ignore", guest)
    var facts = EventChannelSilentFacts(
      ignore: ignore, suspend: nil, stateAfter: nil, liveness: Liveness(alive: false, counter: "not read"),
      answer: nil, checkpointAfter: nil, recovered: nil)
    if ignore.succeeded {
      facts.suspend = await tools.xenResume(
        ["suspend", guest.id, "--timeout", "\(EventChannelSilentFacts.timeoutSeconds)s", "--json"], limit: 120)
      facts.stateAfter = await xen.domain(guest.domain)
      facts.liveness = await GuestConsole.alive(guest.guest)
    }
    // Answering again whatever happened, so a failure here does not spoil what follows.
    facts.answer = await answerMode("answer", guest)
    facts.recovered = await recover(guest, .fast)
    if ignore.succeeded {
      facts.checkpointAfter = await tools.xenResume(["checkpoint", guest.id, "--count", "2", "--json"], limit: 300)
    }
    record(GuestScenario.channelSilent.rawValue, guest: guest.guest, facts)
  }

  /// evtchn-crash: the module panics on the event; xen-resume must report the crash at once. Kills the guest.
  public func channelCrash(_ guest: GuestRun) async {
    let crash = await answerMode("crash", guest)
    let suspend =
      crash.succeeded
      ? await tools.xenResume(
        ["suspend", guest.id, "--timeout", "\(EventChannelCrashFacts.timeoutSeconds)s", "--json"],
        limit: Double(EventChannelCrashFacts.timeoutSeconds) + 60) : nil
    let stateAfter = await xen.domain(guest.domain)
    record(
      GuestScenario.channelCrash.rawValue, guest: guest.guest,
      EventChannelCrashFacts(crash: crash, suspend: suspend, stateAfter: stateAfter))
  }

  /// Tells the guest's module how to answer the next events (`answer`, `ignore`, `crash`).
  private func answerMode(_ mode: String, _ guest: GuestRun) async -> CommandRecord {
    await tools.run(
      .xenstore, ["xenstore-write", "/local/domain/\(guest.id)/data/rx-suspend-evtchn", mode], limit: 30)
  }
}

/// Whether someone holds a domain's suspend lock, the fcntl write lock on the first byte of libxenguest's
/// `/var/run/xen/suspend-evtchn-<id>.lock` that xen-resume takes too: `F_GETLK` reports a conflicting holder
/// without taking anything.
enum SuspendLockProbe {
  /// Whether the lock is held now.
  static func isHeld(domain: Int) -> Bool {
    let fd = open("/var/run/xen/suspend-evtchn-\(domain).lock", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var query = flock()
    query.l_type = Int16(F_WRLCK)
    query.l_whence = Int16(SEEK_SET)
    query.l_start = 0
    query.l_len = 1
    guard fcntl(fd, F_GETLK, &query) == 0 else { return false }
    return query.l_type != Int16(F_UNLCK)
  }

  /// Polls every 100 ms until the lock is held, at most `seconds`; whether it was seen held.
  static func awaitHeld(domain: Int, seconds: Double) async -> Bool {
    let clock = ContinuousClock()
    let end = clock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
    while clock.now < end {
      if isHeld(domain: domain) { return true }
      try? await Task.sleep(for: .milliseconds(100))
    }
    return isHeld(domain: domain)
  }
}
