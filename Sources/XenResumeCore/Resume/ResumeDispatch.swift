extension SuspendController {
  /// Checks that the domain is suspended, and suspended by this controller when it knows the domain, then resumes
  /// it in the chosen mode under the cross-process suspend lock. Nothing is touched when the domain is not
  /// suspended, was suspended by another toolstack since this controller last resumed it, another process holds
  /// the lock, or the mode is refused. Marks every stage but the last (`xenstoreResumed`), which ends once the lock
  /// taken here is released; returns what the caller reports and counts. With `replacement`, the slow resume is a
  /// rewind: the captured state is written into the paused domain before its soft reset.
  func resumeSuspended(
    _ domain: DomainID, mode: ResumeMode, options: ResumeOptions, marks: inout StageMarks,
    rewindingTo replacement: GuestStateReplacement? = nil
  ) throws -> (guestType: GuestType, suspendedBy: SuspendPath?) {
    let info = try host.domainInfo(domain)
    let known = currentSession(domain, info: info)
    // A lock the session of an older domain under this id held is no session's now: this resume gives it back,
    // also when it fails before resuming anything (a new domain under the id is seldom suspended).
    var releaseLockAfterwards = known.heldLockOfStaleSession
    defer {
      if releaseLockAfterwards { releaseSuspendLockOfNoSession(domain) }
    }
    // A soft-reset resume that could not finish left the domain held paused, no longer suspended in Xen's eyes.
    let rebuildPending = known.session?.softResetRebuild != nil
    guard info.isSuspended || rebuildPending else {
      throw SuspendResumeError.notSuspended(domain, state: DomainState(info))
    }
    if rebuildPending && replacement != nil {
      throw SuspendResumeError.refused(
        domain,
        reason: "a slow resume soft reset it and could not finish rebuilding its channels; finish that with a slow "
          + "resume before rewinding it")
    }
    if rebuildPending && mode != .slow {
      throw SuspendResumeError.refused(
        domain,
        reason: "a slow resume soft reset it and could not finish rebuilding its channels; it is held paused, and "
          + "only a slow resume, which finishes the rebuild, can bring it back")
    }
    if let session = known.session, session.suspendedBy == nil, !session.resumeOnly {
      throw SuspendResumeError.refused(
        domain,
        reason: "it was suspended by another toolstack since this controller last resumed it (forget(_:) the "
          + "domain first to resume it anyway)")
    }
    var session = try known.session ?? resumeSession(domain, info: info)
    // The lock libxenguest and every suspend take, so that two processes never resume one guest at once (both
    // would rewrite vcpu0's context). A session that suspended the domain holds it already.
    if !releaseLockAfterwards && !session.holdsSuspendLock {
      do {
        try host.acquireSuspendLock(for: domain)
      } catch let error as XenCallError where error.errno == .resourceTemporarilyUnavailable {
        throw SuspendResumeError.alreadyInProgress(domain, byAnotherProcess: true)
      }
      releaseLockAfterwards = true
    }
    session.holdsSuspendLock = true
    logger.debug("resuming", metadata: ["domain": "\(domain)", "mode": "\(mode)", "guest": "\(session.guestType)"])
    switch mode {
    case .fast:
      if session.secondaryVCPUsReset {
        throw SuspendResumeError.refused(
          domain, reason: "a failed slow resume already reset its secondary vcpus; only a slow resume can bring it back"
        )
      }
      marks.mark(.stateChecked, at: clock.elapsed())
      try resumeFast(domain, info: info, session: session, marks: &marks)
    case .slow:
      let bySoftReset =
        rebuildPending
        || (session.guestType.isPVAware && session.guestType.isHVMContainer
          && !options.contains(.resumeSlowWithoutSoftReset))
      if bySoftReset {
        if session.suspendedBy == .hypervisorShutdown && replacement == nil {
          throw SuspendResumeError.refused(
            domain,
            reason: "the guest was stopped by xc_domain_shutdown, not in its suspend hypercall: a soft reset would "
              + "close its event channels under it; use the uncooperative mode")
        }
        marks.mark(.stateChecked, at: clock.elapsed())
        try resumeSlowBySoftReset(domain, session: session, marks: &marks, replacing: replacement)
        break
      }
      if session.guestType.isPVAware && !options.contains(.confirmSlowResumeOfPVAwareGuest) {
        throw SuspendResumeError.refused(
          domain,
          reason: "a slow resume without a soft reset makes a Linux \(session.guestType) guest register its "
            + "vcpu_info again in the same domain, which Xen refuses: measured on Xen 4.17 and 4.20, Linux 6.1 and "
            + "6.12 then panic (\"register_vcpu_info failed: cpu=0 err=-22\", err=-16 from Xen 4.18) and Linux 5.10 "
            + "PV, PVH and PVHVM hang (the survival matrix in the documentation's \"Choosing a resume\"); confirm it "
            + "only for guests without suspend-cancel support or whose state was replaced")
      }
      if session.suspendedBy == .hypervisorShutdown && session.guestType == .pv {
        throw SuspendResumeError.refused(
          domain,
          reason: "the guest was stopped by xc_domain_shutdown, not in its suspend hypercall: "
            + "its start_info frame is unknown; use the uncooperative mode")
      }
      marks.mark(.stateChecked, at: clock.elapsed())
      try resumeSlow(domain, info: info, session: session, marks: &marks)
    case .uncooperative:
      if let path = session.suspendedBy, path != .hypervisorShutdown, session.guestType.isPVAware {
        // This controller asked the guest, and Xen reports the suspend it then made: the guest is inside its
        // suspend hypercall, and resumed with its return register untouched it would wake as a new domain with
        // nothing rebuilt for it (a PV guest's start_info still holding frame numbers of the old layout).
        throw SuspendResumeError.refused(
          domain,
          reason: "this controller suspended it through \(path), so the guest is inside its suspend hypercall "
            + "and would wake as a new domain with nothing rebuilt: resume it fast (or slow)")
      }
      marks.mark(.stateChecked, at: clock.elapsed())
      try finishResume(domain, marks: &marks)
    }
    markResumed(domain, asNewDomain: mode == .slow)
    return (session.guestType, session.suspendedBy)
  }

  /// The facts a resume needs, for a domain this controller did not suspend (a resume may follow another
  /// process's suspend). Stored, so that a failed resume can record what it did, and marked resume-only: it is
  /// dropped once the resume succeeds, and a later suspend learns the domain properly.
  private func resumeSession(_ domain: DomainID, info: DomainInfo) throws -> DomainSession {
    let guestType = try classify(info)
    let width = guestType == .pv ? try host.guestWidth(of: domain) : try cachedHostWidth()
    let plan = SuspendPlan(
      domain: domain, guestType: guestType, width: width, path: .xenstoreControl, reason: "not planned: resume only")
    var session = DomainSession(info: info, guestType: guestType, width: width, plan: plan)
    session.resumeOnly = true
    storeSession(session, for: domain)
    return session
  }

  /// Releases a suspend lock no session keeps (one a resume took for itself, or one a dropped session of an older
  /// domain under the id held), and forgets that the stored session holds it.
  func releaseSuspendLockOfNoSession(_ domain: DomainID) {
    state.withLock { state in
      guard let index = state.sessions.index(forKey: domain) else { return }
      state.sessions.values[index].holdsSuspendLock = false
    }
    do {
      try host.releaseSuspendLock(for: domain)
    } catch {
      logger.warning("could not release the suspend lock", metadata: ["domain": "\(domain)", "error": "\(error)"])
    }
  }

  /// After a resume: the session no longer vouches for a suspend, a resume-only session is dropped, and after a
  /// resume as a new domain (the guest sets itself up again; a classic XenLinux guest advertises a new suspend
  /// port) the facts are learned afresh at the next suspend.
  private func markResumed(_ domain: DomainID, asNewDomain: Bool) {
    state.withLock { state in
      // Through the index: an optional-chained write through the dictionary's subscript allocates a coroutine
      // frame on every resume.
      guard let index = state.sessions.index(forKey: domain) else { return }
      if state.sessions.values[index].resumeOnly {
        state.sessions.remove(at: index)
        return
      }
      state.sessions.values[index].suspendedBy = nil
      state.sessions.values[index].secondaryVCPUsReset = false
      if asNewDomain { state.sessions.values[index].needsRelearning = true }
    }
  }

  /// `XEN_DOMCTL_resumedomain` (marking `domainResumed`), then XS_RESUME so xenstored re-arms `@releaseDomain`
  /// for the next shutdown.
  func finishResume(_ domain: DomainID, marks: inout StageMarks, undo: () -> String? = { nil }) throws {
    do {
      try host.resumeDomain(domain)
    } catch {
      throw translate(error, domain: domain, undone: undo())
    }
    marks.mark(.domainResumed, at: clock.elapsed())
    do {
      try host.resumeDomainInXenStore(domain)
    } catch {
      // The domain runs again: the session must no longer vouch for a suspend, or a later suspend by someone else
      // would be resumed as this controller's own. Its facts are learned again at the next suspend.
      markResumed(domain, asNewDomain: true)
      throw translate(error, domain: domain, undone: nil)
    }
  }
}
