/// What a soft-reset resume must rebuild for the guest after `XEN_DOMCTL_soft_reset`, and how far it got: kept in
/// the session while the rebuild is incomplete, so that a second slow resume goes on from the step that failed
/// instead of allocating the guest ports again (Xen lets only the guest close them).
struct SoftResetRebuild: Sendable, Hashable {
  /// `HVM_PARAM_STORE_PFN`: the xenstore ring, which the soft reset keeps and xenstored is given again.
  let storeFrame: UInt64
  /// Whether the guest has a PV console (`HVM_PARAM_CONSOLE_PFN` is not 0) whose port xenconsoled must find.
  let hasConsole: Bool
  /// The guest's new xenstore port, once allocated.
  var storePort: EventChannelPort?
  /// Whether `HVM_PARAM_STORE_EVTCHN` names `storePort`.
  var storePortNamed = false
  /// The guest's new console port, once allocated.
  var consolePort: EventChannelPort?
  /// Whether `HVM_PARAM_CONSOLE_EVTCHN` names `consolePort`.
  var consolePortNamed = false
  /// Whether xenstored bound `storePort` (XS_INTRODUCE acknowledged and the port found bound to dom0).
  var introduced = false
  /// Whether `console/port` names `consolePort`.
  var consolePortWritten = false
  /// Whether XS_RESUME was sent.
  var xenstoreResumed = false

  /// The steps not done yet, in the words of `SuspendResumeError.rebuildIncomplete`.
  var remaining: [String] {
    var steps: [String] = []
    if storePort == nil { steps.append("allocate the xenstore port") }
    if !storePortNamed { steps.append("set HVM_PARAM_STORE_EVTCHN") }
    if hasConsole {
      if consolePort == nil { steps.append("allocate the console port") }
      if !consolePortNamed { steps.append("set HVM_PARAM_CONSOLE_EVTCHN") }
    }
    if !introduced { steps.append("introduce the domain to xenstored") }
    if hasConsole && !consolePortWritten { steps.append("write console/port") }
    if !xenstoreResumed { steps.append("XS_RESUME") }
    steps.append("unpause")
    return steps
  }
}

extension SuspendController {
  /// The resume "as a new domain" of an HVM container with PV drivers (PVH, PVHVM) that Linux survives.
  ///
  /// A same-domain `XEN_DOMCTL_resumedomain` leaves Xen's vcpu_info registrations in place, so the guest's second
  /// registration is refused and Linux 5.16 and later panic. `XEN_DOMCTL_soft_reset` drops them, with every event
  /// channel of the domain (dom0's ends become unbound) and the shared_info page, and resumes the domain. The guest
  /// then finds what a new domain finds once the toolstack has rebuilt what a domain builder gives one: an unbound
  /// xenstore port for dom0 named by `HVM_PARAM_STORE_EVTCHN` and bound by xenstored (XS_INTRODUCE), and the same
  /// for the PV console, whose port xenconsoled reads from `console/port`. Linux reads both parameters again when
  /// it resumes, so new port numbers are fine.
  ///
  /// The domain is paused once more first: Xen's `evtchn_reset` refuses a domain its toolstack has not paused, and
  /// that pause keeps the guest from running half rebuilt (the soft reset's own resume takes back only the
  /// shutdown's pause). Until the soft reset, a failure takes the pause back and leaves the guest suspended as it
  /// was; after it, a failure leaves the domain paused with `SuspendResumeError.rebuildIncomplete`, and the session
  /// remembers how far the rebuild got, so a second slow resume finishes it.
  ///
  /// Marks `softReset`, `channelsRebuilt` and `domainResumed`.
  ///
  /// With `replacement` (a rewind), the captured memory and HVM context are written into the domain once it is paused,
  /// before the soft reset (`GuestStateReplacement`), and marked `stateReplaced`.
  func resumeSlowBySoftReset(
    _ domain: DomainID, session: DomainSession, marks: inout StageMarks,
    replacing replacement: GuestStateReplacement? = nil
  ) throws {
    var rebuild: SoftResetRebuild
    if let pending = session.softResetRebuild {
      rebuild = pending
      logger.notice(
        "finishing the rebuild of a soft-reset domain",
        metadata: ["domain": "\(domain)", "remaining": "\(rebuild.remaining.joined(separator: ", "))"])
    } else {
      rebuild = try softReset(domain, replacing: replacement, marks: &marks)
    }
    marks.mark(.softReset, at: clock.elapsed())
    do {
      try rebuildChannels(of: domain, &rebuild)
    } catch let error as XenCallError where error.errno != .noSuchProcess {
      recordRebuild(rebuild, of: domain)
      logger.error(
        "a soft-reset domain could not be rebuilt; it is held paused",
        metadata: ["domain": "\(domain)", "error": "\(error)"])
      throw SuspendResumeError.rebuildIncomplete(domain, failure: error, remaining: rebuild.remaining)
    } catch {
      recordRebuild(rebuild, of: domain)
      throw translate(error, domain: domain)
    }
    marks.mark(.channelsRebuilt, at: clock.elapsed())
    do {
      try host.unpauseDomain(domain)
    } catch let error as XenCallError where error.errno != .noSuchProcess {
      recordRebuild(rebuild, of: domain)
      throw SuspendResumeError.rebuildIncomplete(domain, failure: error, remaining: rebuild.remaining)
    }
    recordRebuild(nil, of: domain)
    marks.mark(.domainResumed, at: clock.elapsed())
  }

  /// Reads what the rebuild needs, pauses the domain and soft resets it. Everything is read before the first
  /// change, and a failure takes the pause back, so a refusal leaves the guest suspended as it was.
  private func softReset(
    _ domain: DomainID, replacing replacement: GuestStateReplacement?, marks: inout StageMarks
  ) throws -> SoftResetRebuild {
    let storeFrame = try host.hvmParameter(.storeFrame, of: domain)
    guard storeFrame != 0 else {
      throw SuspendResumeError.refused(
        domain, reason: "HVM_PARAM_STORE_PFN is 0: the domain has no xenstore ring to introduce again")
    }
    let consoleFrame = try host.hvmParameter(.consoleFrame, of: domain)
    let rebuild = SoftResetRebuild(storeFrame: storeFrame, hasConsole: consoleFrame != 0)
    // A rewind that failed part-way left its pause holding the domain: the rewind that finishes it goes on under it.
    if replacement?.pauseHeld != true {
      do {
        try host.pauseDomain(domain)
      } catch {
        throw translate(error, domain: domain)
      }
    }
    if let replacement {
      try replaceState(of: domain, with: replacement)
      marks.mark(.stateReplaced, at: clock.elapsed())
    }
    do {
      try host.softResetDomain(domain)
    } catch let error as XenCallError where replacement != nil && error.errno != .noSuchProcess {
      // The captured state is in the domain already: taking the pause back would let a fast resume run it with
      // the channels of another moment. Held paused, like a rewind that failed while writing.
      let frames = replacement?.capture.frames.count ?? 0
      throw SuspendResumeError.rewindIncomplete(domain, failure: error, framesWritten: frames, frameCount: frames)
    } catch {
      // Refused before anything changed (EINVAL: a vcpu not paused for shutdown), or Xen crashed the domain after a
      // late failure: the state `translate` reads tells which.
      let undone: String?
      do {
        try host.unpauseDomain(domain)
        undone = "the extra pause taken back"
      } catch {
        logger.error("could not take back the extra pause", metadata: ["domain": "\(domain)", "error": "\(error)"])
        undone = nil
      }
      throw translate(error, domain: domain, undone: undone)
    }
    // From here the guest's old channels are gone: it must not run before the new ones exist.
    recordRebuild(rebuild, of: domain)
    return rebuild
  }

  /// The steps after the soft reset that `rebuild` has not done yet, each recorded in `rebuild` once done.
  private func rebuildChannels(of domain: DomainID, _ rebuild: inout SoftResetRebuild) throws {
    let toolstack = DomainID.dom0
    let storePort = try rebuild.storePort ?? host.allocateUnboundEventChannel(in: domain, remote: toolstack)
    rebuild.storePort = storePort
    if !rebuild.storePortNamed {
      try host.setHVMParameter(.storeEventChannel, of: domain, to: UInt64(storePort.rawValue))
      rebuild.storePortNamed = true
    }
    var consolePort: EventChannelPort?
    if rebuild.hasConsole {
      let port = try rebuild.consolePort ?? host.allocateUnboundEventChannel(in: domain, remote: toolstack)
      rebuild.consolePort = port
      consolePort = port
      if !rebuild.consolePortNamed {
        try host.setHVMParameter(.consoleEventChannel, of: domain, to: UInt64(port.rawValue))
        rebuild.consolePortNamed = true
      }
    }
    if !rebuild.introduced {
      try host.introduceDomain(domain, storeFrame: rebuild.storeFrame, storePort: storePort)
      // C xenstored acknowledges XS_INTRODUCE even when its bind failed: only the port's state proves the bind.
      let status = try host.eventChannelStatus(of: domain, port: storePort)
      guard case .interdomain(let remote, _) = status, remote == toolstack else {
        throw XenCallError(
          call: "xs_introduce_domain", domain: domain, errno: .socketNotConnected,
          hint: "xenstored acknowledged, but the guest's new store port \(storePort) is \(status)")
      }
      rebuild.introduced = true
    }
    if let consolePort, !rebuild.consolePortWritten {
      try host.write(XenStorePath.consolePort(of: domain), value: String(consolePort.rawValue))
      rebuild.consolePortWritten = true
    }
    if !rebuild.xenstoreResumed {
      try host.resumeDomainInXenStore(domain)
      rebuild.xenstoreResumed = true
    }
  }

  /// Keeps how far a soft-reset rebuild got in the domain's session (`nil`: none pending).
  private func recordRebuild(_ rebuild: SoftResetRebuild?, of domain: DomainID) {
    state.withLock { state in
      guard let index = state.sessions.index(forKey: domain) else { return }
      state.sessions.values[index].softResetRebuild = rebuild
    }
  }
}
