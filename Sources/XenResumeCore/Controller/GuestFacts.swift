extension SuspendController {
  /// Classifies a domain from Xen's facts: no HVM flag is PV; an HVM container with only the local APIC
  /// emulated is PVH; otherwise `HVM_PARAM_CALLBACK_IRQ` tells PVHVM (PV drivers up) from pure HVM.
  func classify(_ info: DomainInfo) throws -> GuestType {
    if !info.isHVM { return .pv }
    if info.isPVHContainer { return .pvh }
    return try host.hvmParameter(.callbackIRQ, of: info.domain) != 0 ? .pvhvm : .hvm
  }

  /// Learns the facts a suspend needs and the path libxl's rules choose (libxl_dom_suspend.c's order).
  func learnFacts(_ domain: DomainID, info: DomainInfo) throws -> DomainSession {
    let guestType = try classify(info)
    let width = guestType == .pv ? try host.guestWidth(of: domain) : try cachedHostWidth()
    var sleepState: UInt64 = 0
    if guestType == .pvhvm {
      sleepState = try host.hvmParameter(.acpiSleepState, of: domain)
    }
    func plan(_ path: SuspendPath, _ reason: String) -> SuspendPlan {
      SuspendPlan(domain: domain, guestType: guestType, width: width, path: path, reason: reason)
    }
    if guestType == .hvm {
      return DomainSession(
        guestType: guestType, width: width,
        plan: plan(.hypervisorShutdown, "HVM guest without PV drivers (HVM_PARAM_CALLBACK_IRQ is 0)"))
    }
    if sleepState != 0 {
      return DomainSession(
        guestType: guestType, width: width,
        plan: plan(.hypervisorShutdown, "guest is in ACPI sleep state S\(sleepState)"))
    }
    let advertised = try host.read(XenStorePath.suspendEventChannel(of: domain))
    if let port = Self.parseSuspendPort(advertised) {
      return DomainSession(
        guestType: guestType, width: width,
        plan: plan(.eventChannel, "guest advertises suspend event channel port \(port)"),
        remoteSuspendPort: port)
    }
    if let advertised, !advertised.isEmpty {
      logger.warning(
        "ignoring a suspend event channel node that is not a port number",
        metadata: ["domain": "\(domain)", "value": "\(advertised)"])
    }
    if guestType == .pvh {
      let feature = try host.read(XenStorePath.featureSuspend(of: domain))
      guard feature == "1" else {
        throw SuspendResumeError.unsupported(
          domain, guestType: .pvh,
          operation: "suspend: it has no suspend event channel and does not advertise control/feature-suspend")
      }
    }
    var session = DomainSession(
      guestType: guestType, width: width,
      plan: plan(.xenstoreControl, "\(guestType) guest without a suspend event channel: xenstore control node"))
    session.controlNodeMissing = try host.read(session.controlNode) == nil
    return session
  }

  /// A port number, or `nil` for a missing or empty node (no channel) and for anything that is not a number.
  static func parseSuspendPort(_ value: String?) -> EventChannelPort? {
    guard let value, let number = UInt32(value) else { return nil }
    return EventChannelPort(number)
  }

  /// The session for a suspend: the stored one while the domain's fixed facts hold, else freshly learned, with
  /// the cross-process suspend lock taken. A domain that is not running is refused here, before anything is
  /// touched.
  func openSession(_ domain: DomainID) throws -> DomainSession {
    let previous = existingSession(domain)
    if let session = previous, session.suspendedBy == nil, !session.needsRelearning {
      if session.guestType == .hvm {
        // A pure HVM guest may have loaded PV drivers since: re-read the one fact that would change its path.
        if try host.hvmParameter(.callbackIRQ, of: domain) != 0 {
          forget(domain)
          return try openSession(domain)
        }
      }
      return session
    }
    let info = try host.domainInfo(domain)
    switch DomainState(info) {
    case .running, .paused:
      break
    case .shutDown(.suspend):
      throw SuspendResumeError.refused(domain, reason: "it is already suspended")
    case .shutDown(let reason):
      throw SuspendResumeError.shutDownForOtherReason(domain, reason: reason, rawCode: info.flags.rawShutdownCode)
    case .dying, .gone:
      throw SuspendResumeError.refused(domain, reason: "it is being destroyed")
    }
    // A session marked for relearning keeps its lock; its channel binding is useless now. Any other is dropped.
    var heldLock = false
    if var stale = previous, stale.needsRelearning {
      heldLock = stale.holdsSuspendLock
      stale.holdsSuspendLock = false
      releaseResources(of: stale, domain: domain)
      state.withLock { $0.sessions[domain] = nil }
    } else {
      forget(domain)
    }
    var session = try learnFacts(domain, info: info)
    if !heldLock {
      do {
        try host.acquireSuspendLock(for: domain)
      } catch let error as XenCallError where error.errno == .resourceTemporarilyUnavailable {
        throw SuspendResumeError.alreadyInProgress(domain, byAnotherProcess: true)
      }
    }
    session.holdsSuspendLock = true
    return session
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
}
