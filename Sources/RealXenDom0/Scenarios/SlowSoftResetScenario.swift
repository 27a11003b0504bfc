import RealXenLab

extension Dom0Lab {
  /// slow-soft-reset (PVH and PVHVM guests, just before slow-outcome): `xen-resume suspend`; while the guest is
  /// suspended, dom0 rewrites the page its `rx-colo` announced (the COLO case: memory replaced before the resume);
  /// `xen-resume resume --slow`, which for these types goes through Xen's soft reset and rebuilds the guest's xenstore
  /// and console channels (no confirmation needed); then the same watch as slow-outcome's. A guest that survived gets
  /// a second `xen-resume suspend`, which must go through its xenstore, and a fast resume, after which its counter must
  /// move on again (a guest whose console went silent while Xen says running is asked the same, to tell a dead console
  /// from a dead guest). The notable lines the kernel printed after the resume and the values `rx-colo` printed are read
  /// from the console at the end. A suspension left behind is undone with the C client's fast resume; a guest not left
  /// running with its counter moving makes slow-outcome skip it.
  public func slowSoftReset(_ guest: GuestRun) async {
    let log = guest.consoleLog
    let textBefore = SlowConsole.read(log)
    let linesBefore = SlowConsole.lineCount(textBefore)
    let bootLines = SlowConsole.linesAfter(0, in: textBefore)
    let suspend = await tools.xenResume(["suspend", guest.id, "--json"])
    let counterBefore = GuestConsole.counter(of: guest.guest)
    var colo: ColoFacts?
    var resume: CommandRecord?
    if suspend.succeeded {
      colo = GuestPageWriter.replace(
        ColoConsole.page(in: bootLines), in: guest.domain, guestFailure: ColoConsole.failure(in: bootLines))
      resume = await tools.xenResume(["resume", guest.id, "--slow", "--json"])
    }
    var watch = SlowWatch(counter: counterBefore)
    if resume?.succeeded == true { watch = await watchAfterSlowResume(guest, counterBefore: counterBefore) }
    if watch.state == nil { watch.state = await xen.domain(guest.domain) }

    // xenstore from inside the guest: the second suspend is acknowledged by the guest's xenbus, over the channel the
    // resume rebuilt. A guest whose console went silent while Xen says running is asked too, with a short timeout: a
    // guest that answers is running, and what died is its console (a PVH guest's counter comes over the rebuilt one).
    var secondSuspend: CommandRecord?
    var secondResume: CommandRecord?
    var aliveAfterSecond: Liveness?
    let silentButRunning = watch.outcome == .hung && resume?.succeeded == true && watch.state?.state == "running"
    if watch.outcome == .alive || silentButRunning {
      secondSuspend = await tools.xenResume(
        ["suspend", guest.id, "--json"] + (silentButRunning ? ["--timeout", "10s"] : []))
      if secondSuspend?.succeeded == true {
        secondResume = await tools.xenResume(["resume", guest.id, "--fast", "--json"])
        if secondResume?.succeeded == true { aliveAfterSecond = await GuestConsole.alive(guest.guest) }
      }
    }
    let recovered = await recover(guest, .fast)
    let finalState = await xen.domain(guest.domain)

    let text = SlowConsole.read(log)
    let after = SlowConsole.linesAfter(linesBefore, in: text)
    let seen = SlowConsole.Seen(after: after, anyCase: SlowConsole.notableAfterSoftReset)
    if watch.outcome == .alive && seen.warning != nil { watch.outcome = .warned }
    colo?.valuesAfter = ColoConsole.values(in: after).map(ColoConsole.hex)

    // slow-outcome needs the guest running; a guest untouched (the suspend or the resume refused) still counts.
    var aliveAtEnd: Liveness?
    if finalState?.state == "running" && (resume?.succeeded != true || watch.outcome.survived) {
      aliveAtEnd = aliveAfterSecond?.alive == true ? aliveAfterSecond : await GuestConsole.alive(guest.guest)
    }
    let facts = SlowSoftResetFacts(
      suspend: suspend, resume: resume, type: guest.kind, kernel: guest.guest.kernel, outcome: watch.outcome,
      panic: watch.panic.map { String($0.prefix(200)) }, warning: seen.warning, trouble: seen.trouble,
      notable: seen.notable, counterBefore: counterBefore, counterAfter: watch.counter, watchState: watch.state,
      secondSuspend: secondSuspend, secondResume: secondResume, aliveAfterSecond: aliveAfterSecond,
      recovered: recovered, finalState: finalState, aliveAtEnd: aliveAtEnd, colo: colo, console: SlowConsole.tail(text))
    if aliveAtEnd?.alive != true {
      let how =
        "not running with its counter moving (Xen: \(finalState?.state ?? "nothing"), counter "
        + "\(aliveAtEnd?.counter ?? "not read"); its soft-reset cell: \(facts.matrixCell ?? "not observed"))"
      tally(guest.guest) { $0.notAliveAfterSoftReset = how }
    }
    record(GuestScenario.slowSoftReset.rawValue, guest: guest.guest, facts)
  }
}
