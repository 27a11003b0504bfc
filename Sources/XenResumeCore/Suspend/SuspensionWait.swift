extension SuspendController {
  /// Waits until Xen reports the domain shut down with reason suspend, re-reading its info on every
  /// `@releaseDomain` event (libxl's suspend-wait stage).
  func waitUntilSuspended(
    _ domain: DomainID, deadline: Deadline, timeout: Duration, path: SuspendPath, session: DomainSession
  ) async throws {
    let monitor = releaseDomainMonitor
    while true {
      // Take the generation before reading: an event between the read and the wait still wakes us.
      let generation = try monitor.currentGeneration()
      if try isSuspended(try host.domainInfo(domain)) { return }
      do {
        try await deadline.race { try await monitor.waitForChange(after: generation) }
      } catch is DeadlineExceeded {
        if try isSuspended(try host.domainInfo(domain)) { return }
        try await settleAfterTimeout(
          domain, timeout: timeout, path: path, session: session, suspendPort: nil)
      }
    }
  }

  /// How long a guest that has been asked (and may have acknowledged) gets, after the timeout, to finish
  /// suspending before the controller gives up on it.
  static let suspensionGracePeriod: Duration = .seconds(5)

  /// After a timeout the guest may still be on its way into suspend: it acknowledged (a request cannot be
  /// withdrawn once acknowledged, a notification never), or, at the acknowledgement stage, it read the request
  /// and its acknowledgement was refused (Linux ignores the failed write and suspends anyway) before the request
  /// was withdrawn. Give it a short grace period; if it does suspend, bring it back with a fast resume (it is
  /// inside its own suspend hypercall), so a timeout never leaves a guest suspended behind the caller's back.
  /// Always ends with the timeout error of `stage`.
  func settleAfterTimeout(
    _ domain: DomainID, stage: SuspendStage = .suspension, timeout: Duration, path: SuspendPath,
    session: DomainSession, suspendPort: EventChannelPort?
  ) async throws -> Never {
    let grace = Deadline(after: Self.suspensionGracePeriod, on: clock, timer: deadlineTimer)
    let monitor = releaseDomainMonitor
    let host = host
    while true {
      let generation = try monitor.currentGeneration()
      let info = try host.domainInfo(domain)
      if try isSuspended(info) {
        var suspended = session
        suspended.suspendedBy = path
        try resumeFast(domain, info: info, session: suspended)
        logger.warning(
          "the guest suspended after the timeout and was resumed", metadata: ["domain": "\(domain)"])
        throw SuspendResumeError.timedOut(
          domain, stage: stage, timeout: timeout, state: currentState(of: domain) ?? .running)
      }
      do {
        if let suspendPort {
          try await grace.race(
            { try await host.waitForEvent(on: suspendPort) },
            or: { try await monitor.waitForChange(after: generation) })
        } else {
          try await grace.race { try await monitor.waitForChange(after: generation) }
        }
      } catch is DeadlineExceeded {
        throw SuspendResumeError.timedOut(domain, stage: stage, timeout: timeout, state: DomainState(info))
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
