import RealXenLab

extension Dom0Lab {
  /// error-unknown-domain: suspend and resume of a domain id Xen does not know (row "none").
  public func errorUnknownDomain() async {
    let domain = String(UnknownDomainFacts.domain)
    let suspend = await tools.xenResume(["suspend", domain, "--json"])
    let resume = await tools.xenResume(["resume", domain, "--fast", "--json"])
    record("error-unknown-domain", guest: nil, row: "none", UnknownDomainFacts(suspend: suspend, resume: resume))
  }

  /// error-dom0: suspend and resume of dom0 are refused (row "dom0").
  public func errorDomZero() async {
    let suspend = await tools.xenResume(["suspend", "0", "--json"])
    let resume = await tools.xenResume(["resume", "0", "--fast", "--json"])
    record("error-dom0", guest: nil, row: "dom0", DomZeroFacts(suspend: suspend, resume: resume))
  }

  /// error-resume-running: a resume of a running guest fails and changes nothing.
  public func errorResumeRunning(_ guest: GuestRun) async {
    let regsBefore = await xen.registers(guest.domain)
    let resume = await tools.xenResume(["resume", guest.id, "--fast", "--json"])
    let stateAfter = await xen.domain(guest.domain)
    let liveness = await GuestConsole.alive(guest.guest)
    record(
      GuestScenario.errorResumeRunning.rawValue, guest: guest.guest,
      ResumeRunningFacts(regsBefore: regsBefore, resume: resume, stateAfter: stateAfter, liveness: liveness))
  }

  /// error-suspend-timeout: a suspend with a 1 ms timeout times out and withdraws its request.
  public func errorSuspendTimeout(_ guest: GuestRun) async {
    let suspend = await tools.xenResume(["suspend", guest.id, "--timeout", "1ms", "--json"])
    let controlShutdown = await tools.xenstoreRead("/local/domain/\(guest.id)/control/shutdown")
    // Give a guest that wrongly saw the request time to act on it before judging.
    try? await Task.sleep(for: .seconds(2))
    let stateAfter = await xen.domain(guest.domain)
    let liveness = await GuestConsole.alive(guest.guest)
    let recovered = await recover(guest, .fast)
    record(
      GuestScenario.errorSuspendTimeout.rawValue, guest: guest.guest,
      SuspendTimeoutFacts(
        suspend: suspend, controlShutdown: controlShutdown, stateAfter: stateAfter, liveness: liveness,
        recovered: recovered))
  }
}
