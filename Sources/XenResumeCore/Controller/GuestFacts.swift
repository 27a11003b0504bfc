extension SuspendController {
  /// Classifies a domain from Xen's facts: no HVM flag is PV; an HVM container with only the local APIC
  /// emulated is PVH; otherwise `HVM_PARAM_CALLBACK_IRQ` tells PVHVM (PV drivers up) from pure HVM.
  func classify(_ info: DomainInfo) throws -> GuestType {
    if !info.isHVM { return .pv }
    if info.isPVHContainer { return .pvh }
    return try host.hvmParameter(.callbackIRQ, of: info.domain) != 0 ? .pvhvm : .hvm
  }

  /// A new session for the domain: the facts that cannot change while it lives (its width), the ones read for
  /// every suspend, and whether its control node exists.
  func learnSession(_ domain: DomainID, info: DomainInfo) throws -> DomainSession {
    let guestType = try classify(info)
    let width = guestType == .pv ? try host.guestWidth(of: domain) : try cachedHostWidth()
    let placeholder = SuspendPlan(
      domain: domain, guestType: guestType, width: width, path: .xenstoreControl, reason: "not planned yet")
    var session = DomainSession(info: info, guestType: guestType, width: width, plan: placeholder)
    try planSuspend(domain, info: info, session: &session, knownType: guestType)
    if session.plan.path == .xenstoreControl {
      session.controlNodeMissing = try host.read(session.controlNode) == nil
    }
    return session
  }

  /// Reads what may have changed since the last suspend and plans this one with libxl's rules
  /// (libxl_dom_suspend.c, read for every suspend there too): the guest type of an HVM container that is not PVH
  /// (PV drivers come and go with the kernel), the ACPI sleep state of every HVM container, and the suspend port
  /// a PV-aware guest advertises (a guest advertises a new one after a resume as a new domain, and may stop).
  func planSuspend(
    _ domain: DomainID, info: DomainInfo, session: inout DomainSession, knownType: GuestType? = nil
  ) throws {
    let guestType = try knownType ?? classify(info)
    // A pure HVM guest is stopped by the hypervisor whatever its sleep state, and resumed without a register.
    let sleepState = info.isHVM && guestType != .hvm ? try host.hvmParameter(.acpiSleepState, of: domain) : 0
    session.guestType = guestType
    func plan(_ path: SuspendPath, _ reason: String) -> SuspendPlan {
      SuspendPlan(domain: domain, guestType: guestType, width: session.width, path: path, reason: reason)
    }
    // libxl: HVM without PV drivers, or any HVM in a sleep state, is stopped by the hypervisor; a PVH guest in a
    // sleep state skips its event channel and is asked through xenstore.
    if guestType == .hvm {
      session.remoteSuspendPort = nil
      session.plan = plan(.hypervisorShutdown, "HVM guest without PV drivers (HVM_PARAM_CALLBACK_IRQ is 0)")
      return
    }
    if guestType == .pvhvm && sleepState != 0 {
      session.remoteSuspendPort = nil
      session.plan = plan(.hypervisorShutdown, "guest is in ACPI sleep state S\(sleepState)")
      return
    }
    session.remoteSuspendPort = sleepState == 0 ? try advertisedSuspendPort(of: domain) : nil
    if let port = session.remoteSuspendPort {
      session.plan = plan(.eventChannel, "guest advertises suspend event channel port \(port)")
      return
    }
    if guestType == .pvh && !session.announcedFeatureSuspend {
      guard GuestWrittenValue.announcesFeature(try host.read(XenStorePath.featureSuspend(of: domain))) else {
        throw SuspendResumeError.unsupported(
          domain, guestType: .pvh,
          operation: "suspend: it has no suspend event channel and does not advertise control/feature-suspend")
      }
      session.announcedFeatureSuspend = true
    }
    let why = sleepState == 0 ? "without a suspend event channel" : "in ACPI sleep state S\(sleepState)"
    session.plan = plan(.xenstoreControl, "\(guestType) guest \(why): xenstore control node")
  }

  /// The port in `device/suspend/event-channel`, or `nil` for a missing or empty node and for anything that is not
  /// a port number (logged).
  private func advertisedSuspendPort(of domain: DomainID) throws -> EventChannelPort? {
    let advertised = try host.read(XenStorePath.suspendEventChannel(of: domain))
    if let port = GuestWrittenValue.suspendPort(advertised) { return port }
    if let advertised, !advertised.isEmpty {
      logger.warning(
        "ignoring a suspend event channel node that is not a port number",
        metadata: ["domain": "\(domain)", "value": "\(GuestWrittenValue.loggable(advertised))"])
    }
    return nil
  }

  /// The session for a suspend, checked against what Xen reports now, whatever the session remembers: a domain
  /// that is not running is refused here before anything is touched (one suspended by another toolstack is left
  /// exactly as it was), a new domain under a known id is learned afresh, and the facts that may change are read
  /// again. A fresh session takes the cross-process suspend lock.
  func openSession(_ domain: DomainID) throws -> DomainSession {
    let info = try host.domainInfo(domain)
    let known = currentSession(domain, info: info)
    // The lock a dropped session held is no session's until the new session carries it: given back if this throws
    // first (a suspend refused because another toolstack suspended the new domain, a failed host call).
    var heldLock = known.heldLockOfStaleSession
    defer {
      if heldLock { releaseSuspendLockOfNoSession(domain) }
    }
    if known.session?.softResetRebuild != nil {
      throw SuspendResumeError.refused(
        domain,
        reason: "a slow resume soft reset it and could not finish rebuilding its channels; it is held paused until "
          + "a slow resume finishes the rebuild")
    }
    try refuseUnlessRunning(info, session: known.session)
    if var session = known.session, session.suspendedBy == nil, !session.needsRelearning, !session.resumeOnly {
      let previousChannel = session.suspendChannel?.remote
      try planSuspend(domain, info: info, session: &session)
      if let previousChannel, previousChannel != session.remoteSuspendPort {
        // The guest advertises another port (or none) now: the old binding leads nowhere.
        releaseSuspendChannel(of: &session, domain: domain)
      }
      return session
    }
    // Suspended by this controller and resumed by someone else, resumed as a new domain, or never suspended by
    // this controller: learn again, keeping a lock already held. Its channel binding is of no use any more. The
    // stale session stays, holding nothing, until the new one replaces it: a failure while learning (a refused
    // xenstore read) must not make the controller forget that it has not suspended this running domain, or it
    // would later resume another toolstack's suspend of it as a domain it never knew.
    if var stale = known.session {
      heldLock = heldLock || stale.holdsSuspendLock
      if stale.suspendChannel != nil { releaseSuspendChannel(of: &stale, domain: domain) }
      releaseControlWatch(of: &stale)
      stale.holdsSuspendLock = false
      stale.suspendedBy = nil
      stale.needsRelearning = true
      storeSession(stale, for: domain)
      noLongerSuspended(domain)
    }
    var session = try learnSession(domain, info: info)
    if !heldLock {
      do {
        try host.acquireSuspendLock(for: domain)
      } catch let error as XenCallError where error.errno == .resourceTemporarilyUnavailable {
        throw SuspendResumeError.alreadyInProgress(domain, byAnotherProcess: true)
      }
    }
    session.holdsSuspendLock = true
    heldLock = false
    return session
  }

  /// The stored session if it still describes the domain Xen reports under the id. A session of a domain that
  /// was destroyed meanwhile is dropped (its binding released; the suspend lock, which names the id, kept), and
  /// whether it held the lock is returned, so a new session does not take it twice.
  func currentSession(_ domain: DomainID, info: DomainInfo) -> (session: DomainSession?, heldLockOfStaleSession: Bool) {
    guard var session = existingSession(domain) else { return (nil, false) }
    if session.describes(info) {
      storeSession(session, for: domain)
      return (session, false)
    }
    logger.notice(
      "a new domain has this id: what was learned about the old one is dropped",
      metadata: [
        "domain": "\(domain)", "handle": "\(info.handle)", "previousHandle": "\(session.handle)",
      ])
    state.withLock { $0.sessions[domain] = nil }
    noLongerSuspended(domain)
    // The old domain's port died with it and its subscription is not the new domain's: unbind only.
    if let channel = session.suspendChannel { unbindQuietly(channel.local, domain: domain) }
    releaseControlWatch(of: &session)
    return (nil, session.holdsSuspendLock)
  }

  /// Refuses a suspend of a domain that is not running or paused. A domain suspended while this controller's
  /// session says it did not suspend it was suspended by another toolstack (`xl save`, `xl migrate`, a bare
  /// `xc_domain_shutdown`), and is left exactly as that toolstack left it.
  private func refuseUnlessRunning(_ info: DomainInfo, session: DomainSession?) throws {
    let domain = info.domain
    switch DomainState(info) {
    case .running, .paused:
      return
    case .shutDown(.suspend):
      if let session, session.suspendedBy == nil, !session.resumeOnly {
        throw SuspendResumeError.refused(
          domain, reason: "it was suspended by another toolstack since this controller last resumed it")
      }
      throw SuspendResumeError.refused(domain, reason: "it is already suspended")
    case .shutDown(let reason):
      throw SuspendResumeError.shutDownForOtherReason(domain, reason: reason, rawCode: info.flags.rawShutdownCode)
    case .dying, .gone:
      throw SuspendResumeError.refused(domain, reason: "it is being destroyed")
    }
  }

  /// The caller's forced path, checked against the guest, or the planned one.
  func choosePath(_ forced: SuspendPath?, session: inout DomainSession, domain: DomainID) throws -> SuspendPath {
    guard let forced, forced != session.plan.path else { return session.plan.path }
    switch forced {
    case .eventChannel:
      guard session.remoteSuspendPort != nil else {
        throw SuspendResumeError.refused(domain, reason: "the guest advertises no suspend event channel")
      }
    case .xenstoreControl:
      guard session.guestType.isPVAware else {
        throw SuspendResumeError.refused(
          domain, reason: "an HVM guest without PV drivers does not watch its xenstore control node")
      }
      // The plan did not look at the control node: a missing one must be recreated for the guest to answer.
      if !session.controlNodeMissing {
        session.controlNodeMissing = try host.read(session.controlNode) == nil
      }
    case .hypervisorShutdown:
      guard !session.guestType.isPVAware else {
        throw SuspendResumeError.refused(
          domain,
          reason: "xc_domain_shutdown would stop this \(session.guestType) guest outside its suspend hypercall, "
            + "and resuming it would then corrupt it")
      }
    }
    return forced
  }

  /// Before a suspend on a path that waits for `@releaseDomain`: makes sure Xen will raise `VIRQ_DOM_EXC` for it.
  /// Our own subscription is withdrawn and its port unbound, and any other is cleared, before every such suspend:
  /// this controller holds the suspend lock, so a subscription it finds is one left behind (libxenguest's
  /// `xc_suspend_evtchn_release` never withdraws its own) or made by a tool that ignores the lock, and either
  /// would silence `@releaseDomain`. One domctl, made before the guest is asked, so it adds nothing to the pause.
  func clearSuspendSubscription(of session: inout DomainSession, domain: DomainID) throws {
    if session.suspendChannel != nil {
      releaseSuspendChannel(of: &session, domain: domain)
    }
    try host.subscribeForSuspend(domain, port: Self.noSuspendSubscription)
  }

  /// The port `XEN_DOMCTL_subscribe` takes to unsubscribe.
  static let noSuspendSubscription = EventChannelPort(0)
}
