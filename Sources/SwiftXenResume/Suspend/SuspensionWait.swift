extension SuspendController {
  /// Waits until Xen reports the domain shut down with reason suspend, re-reading its info on every
  /// `@releaseDomain` event (libxl's suspend-wait stage).
  func waitUntilSuspended(_ domain: DomainID, deadline: Deadline, timeout: Duration) async throws {
    let monitor = releaseDomainMonitor
    while true {
      // Take the generation before reading: an event between the read and the wait still wakes us.
      let generation = try monitor.currentGeneration()
      if try isSuspended(try host.domainInfo(domain)) { return }
      do {
        try await deadline.race { try await monitor.waitForChange(after: generation) }
      } catch is DeadlineExceeded {
        let info = try host.domainInfo(domain)
        if try isSuspended(info) { return }
        throw SuspendResumeError.timedOut(domain, stage: .suspension, timeout: timeout, state: DomainState(info))
      }
    }
  }

  /// `true` once suspended; throws when the domain shut down for another reason or is going away.
  func isSuspended(_ info: DomainInfo) throws -> Bool {
    if info.isDying { throw SuspendResumeError.domainNotFound(info.domain) }
    guard info.isShutdown else { return false }
    guard info.shutdownReason == .suspend else {
      throw SuspendResumeError.shutDownForOtherReason(
        info.domain, reason: info.shutdownReason, rawCode: info.flags.rawShutdownCode)
    }
    return true
  }

  /// After a cancelled suspend: a guest that suspended anyway is brought back, so cancellation never leaves a
  /// guest suspended behind the caller's back.
  func undoSuspendAfterCancellation(_ domain: DomainID, path: SuspendPath, session: DomainSession) {
    do {
      let info = try host.domainInfo(domain)
      guard info.isSuspended else { return }
      var session = session
      session.suspendedBy = path
      try resumeFast(domain, info: info, session: session)
      logger.debug("resumed a guest that suspended after the suspend was cancelled", metadata: ["domain": "\(domain)"])
    } catch {
      logger.error(
        "could not undo a cancelled suspend", metadata: ["domain": "\(domain)", "error": "\(error)"])
    }
  }
}
