import RealXenLab

extension Dom0Lab {
  /// error-unknown-domain: suspend and resume of a domain id Xen does not know (row "none").
  public func errorUnknownDomain() async {
    await guestlessError(GuestlessErrorFacts.unknownDomain, scenario: "error-unknown-domain", row: "none")
  }

  /// error-dom0: suspend and resume of dom0 are refused (row "dom0").
  public func errorDomZero() async {
    await guestlessError(0, scenario: "error-dom0", row: "dom0")
  }

  private func guestlessError(_ domain: Int, scenario: String, row: String) async {
    let suspend = await tools.xenResume(["suspend", String(domain), "--json"])
    let resume = await tools.xenResume(["resume", String(domain), "--fast", "--json"])
    record(scenario, guest: nil, row: row, GuestlessErrorFacts(domain: domain, suspend: suspend, resume: resume))
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
