extension SuspendController {
  /// Checks that the domain is suspended, then resumes it in the chosen mode. Nothing is touched when the domain
  /// is not suspended or the mode is refused.
  func resumeSuspended(_ domain: DomainID, mode: ResumeMode, options: ResumeOptions) throws {
    let info = try host.domainInfo(domain)
    guard info.isSuspended else {
      throw SuspendResumeError.notSuspended(domain, state: DomainState(info))
    }
    let session = try resumeSession(domain, info: info)
    logger.debug("resuming", metadata: ["domain": "\(domain)", "mode": "\(mode)", "guest": "\(session.guestType)"])
    switch mode {
    case .fast:
      if session.secondaryVCPUsReset {
        throw SuspendResumeError.refused(
          domain, reason: "a failed slow resume already reset its secondary vcpus; only a slow resume can bring it back"
        )
      }
      try resumeFast(domain, info: info, session: session)
    case .slow:
      if session.guestType.isPVAware && !options.contains(.confirmSlowResumeOfPVAwareGuest) {
        throw SuspendResumeError.refused(
          domain,
          reason: "a slow resume makes this \(session.guestType) guest re-register its vcpu_info in the same "
            + "domain, which Xen refuses and Linux guests answer with a panic (\"register_vcpu_info failed\"); "
            + "confirm it only for guests without suspend-cancel support or whose state was replaced")
      }
      if session.suspendedBy == .hypervisorShutdown && session.guestType == .pv {
        throw SuspendResumeError.refused(
          domain,
          reason: "the guest was stopped by xc_domain_shutdown, not in its suspend hypercall: "
            + "its start_info frame is unknown; use the uncooperative mode")
      }
      try resumeSlow(domain, info: info, session: session)
    case .uncooperative:
      try finishResume(domain)
    }
    markResumed(domain, asNewDomain: mode == .slow)
  }

  /// The stored session, or the facts a resume needs learned without taking the suspend lock (a resume may
  /// follow another process's suspend).
  private func resumeSession(_ domain: DomainID, info: DomainInfo) throws -> DomainSession {
    if let session = existingSession(domain) { return session }
    let guestType = try classify(info)
    let width = guestType == .pv ? try host.guestWidth(of: domain) : try cachedHostWidth()
    let plan = SuspendPlan(
      domain: domain, guestType: guestType, width: width, path: .xenstoreControl, reason: "not planned: resume only")
    // Kept so a failed resume can record what it did; a later suspend learns the facts it needs properly.
    var session = DomainSession(guestType: guestType, width: width, plan: plan)
    session.needsRelearning = true
    storeSession(session, for: domain)
    return session
  }

  /// After a resume as a new domain the guest sets itself up again (a classic XenLinux guest advertises a new
  /// suspend port), so its facts are learned afresh at the next suspend.
  private func markResumed(_ domain: DomainID, asNewDomain: Bool) {
    state.withLock { state in
      // Through the index: an optional-chained write through the dictionary's subscript allocates a coroutine
      // frame on every resume.
      guard let index = state.sessions.index(forKey: domain) else { return }
      state.sessions.values[index].suspendedBy = nil
      state.sessions.values[index].secondaryVCPUsReset = false
      if asNewDomain { state.sessions.values[index].needsRelearning = true }
    }
  }

  /// `XEN_DOMCTL_resumedomain`, then XS_RESUME so xenstored re-arms `@releaseDomain` for the next shutdown.
  func finishResume(_ domain: DomainID, undo: () -> String? = { nil }) throws {
    do {
      try host.resumeDomain(domain)
    } catch {
      throw translate(error, domain: domain, undone: undo())
    }
    do {
      try host.resumeDomainInXenStore(domain)
    } catch {
      throw translate(error, domain: domain, undone: nil)
    }
  }
}
