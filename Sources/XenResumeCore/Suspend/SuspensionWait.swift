extension SuspendController {
  /// Waits until Xen reports the domain shut down with reason suspend, re-reading its info on every
  /// `@releaseDomain` event (libxl's suspend-wait stage).
  func waitUntilSuspended(
    _ domain: DomainID, deadline: Deadline, timeout: Duration, path: SuspendPath, session: DomainSession
  ) async throws {
    // Xen stops a guest at once for `xc_domain_shutdown`: there a failed read leaves nothing on its way, and the
    // error's state says what happened.
    guard path != .hypervisorShutdown else {
      return try await waitForSuspendedState(domain, deadline: deadline, timeout: timeout, path: path, session: session)
    }
    try await settlingOnFailure(domain, path: path, session: session, suspendPort: nil) {
      try await waitForSuspendedState(domain, deadline: deadline, timeout: timeout, path: path, session: session)
    }
  }

  private func waitForSuspendedState(
    _ domain: DomainID, deadline: Deadline, timeout: Duration, path: SuspendPath, session: DomainSession
  ) async throws {
    let monitor = releaseDomainMonitor
    do {
      while true {
        // Take the generation before reading: an event between the read and the wait still wakes us.
        let generation = try monitor.currentGeneration()
        if try isSuspended(try host.domainInfo(domain)) { return }
        try await deadline.race { try await monitor.waitForChange(after: generation) }
      }
    } catch is DeadlineExceeded {
      if try isSuspended(try host.domainInfo(domain)) { return }
      try await settleAfterTimeout(domain, timeout: timeout, path: path, session: session, suspendPort: nil)
    }
  }

  /// Runs the wait of a suspend whose request is out (acknowledged, or notified): a host call of it that fails
  /// leaves a guest that may still suspend with nobody waiting, so the guest gets the grace period first (and is
  /// resumed if it suspends), and the failure is thrown with what was undone.
  func settlingOnFailure(
    _ domain: DomainID, path: SuspendPath, session: DomainSession, suspendPort: EventChannelPort?,
    _ wait: () async throws -> Void
  ) async throws {
    do {
      try await wait()
    } catch let error as XenCallError {
      let undone = await settleInOwnTask(domain, path: path, session: session, suspendPort: suspendPort)
      throw SuspendResumeError.hostCall(error, state: currentState(of: domain), undone: undone)
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
    // In a task of its own: a caller that cancels now must not cut the grace period short.
    let settling = Task {
      try await resumeLateSuspend(domain, path: path, session: session, suspendPort: suspendPort)
    }
    switch try await settling.value {
    case .resumed:
      logger.warning("the guest suspended after the timeout and was resumed", metadata: ["domain": "\(domain)"])
      throw SuspendResumeError.timedOut(
        domain, stage: stage, timeout: timeout, state: currentState(of: domain) ?? .running)
    case .notSuspended(let state):
      // The state last read: one more read could fail and leave nothing true to say.
      throw SuspendResumeError.timedOut(domain, stage: stage, timeout: timeout, state: state)
    }
  }

  /// How a grace period for a guest that may still suspend ended.
  enum LateSuspend {
    /// It suspended, and was resumed fast.
    case resumed
    /// It did not suspend; the state Xen last reported.
    case notSuspended(DomainState)
  }

  /// Waits the grace period for a guest that may still suspend, and resumes it fast if it does (it is inside its
  /// own suspend hypercall).
  func resumeLateSuspend(
    _ domain: DomainID, path: SuspendPath, session: DomainSession, suspendPort: EventChannelPort?
  ) async throws -> LateSuspend {
    let grace = Deadline(after: Self.suspensionGracePeriod, on: clock, timer: deadlineTimer)
    let monitor = releaseDomainMonitor
    let host = host
    var suspended = session
    suspended.suspendedBy = path
    while true {
      do {
        let generation = try monitor.currentGeneration()
        let info = try host.domainInfo(domain)
        if try isSuspended(info) {
          try resumeFast(domain, info: info, session: suspended)
          return .resumed
        }
        if let suspendPort {
          try await grace.race(
            { try await host.waitForEvent(on: suspendPort) },
            or: { try await monitor.waitForChange(after: generation) })
        } else {
          try await grace.race { try await monitor.waitForChange(after: generation) }
        }
        continue
      } catch is DeadlineExceeded {
        // Fall through to the last look.
      } catch let error as XenCallError where !error.meansXenStoredIsGone {
        // The events or a read failed (an unreadable watch or port, a refused look at the domain), or the fast
        // resume's own access to vcpu0 did (its failures of resumedomain and XS_RESUME come translated, and end the
        // wait): the guest may still suspend, or still be suspended, so the grace period is waited out on the clock
        // alone and the last look tries once more; a second failure is the suspend's error, translated by its
        // caller. (With xenstored gone there is nothing to wait for: the guest cannot see a request until it is
        // back, and the failure is reported.)
        logger.debug(
          "waiting out the grace period without events", metadata: ["domain": "\(domain)", "error": "\(error)"])
        try await grace.passes()
      }
      // A last look: a wake-up can be missing when the guest suspends (its events failed, or a toolstack that
      // resumed the domain without XS_RESUME left xenstored believing it still shut down, so @releaseDomain did
      // not fire again).
      let last = try host.domainInfo(domain)
      guard try isSuspended(last) else { return .notSuspended(DomainState(last)) }
      try resumeFast(domain, info: last, session: suspended)
      return .resumed
    }
  }

  /// `resumeLateSuspend` in a task of its own, for a suspend that ends by cancellation or by a failed host call
  /// after its request could no longer be taken back (the guest acknowledged it, or was notified on its suspend
  /// channel): a cancelled task cannot wait, so the task of its own does, and the failed suspend waits for it, at
  /// most the grace period, so that it never returns with a guest about to be left suspended behind the caller's
  /// back. Says what happened, for an error's `undone` and the log.
  func settleInOwnTask(
    _ domain: DomainID, path: SuspendPath, session: DomainSession, suspendPort: EventChannelPort?
  ) async -> String {
    let settling = Task {
      do {
        switch try await resumeLateSuspend(domain, path: path, session: session, suspendPort: suspendPort) {
        case .resumed: return "the guest suspended within the grace period and was resumed"
        case .notSuspended: return "the guest did not suspend within the grace period"
        }
      } catch {
        return "nothing: waiting for the guest to suspend failed (\(error)), so it may still suspend"
      }
    }
    let outcome = await settling.value
    logger.debug("settled a suspend that ended early", metadata: ["domain": "\(domain)", "outcome": "\(outcome)"])
    return outcome
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

extension XenCallError {
  /// Whether the call failed because xenstored went away (the connection reset, or refused while it is down).
  var meansXenStoredIsGone: Bool {
    errno == .connectionReset || errno == .connectionRefused
  }
}
