// DRAFT (issue 15, not yet compiled): the slow resume of PVH and PVHVM guests through XEN_DOMCTL_soft_reset.
extension SuspendController {
  /// What a soft-reset resume reads before it changes anything: the frames the domain builder gave the guest, which
  /// the soft reset keeps (it replaces shared_info only), and whether the guest has a PV console to reconnect.
  struct SoftResetRebuild: Sendable, Hashable {
    /// `HVM_PARAM_STORE_PFN`: the xenstore ring, introduced again with the guest's new port.
    var storeFrame: UInt64
    /// `HVM_PARAM_CONSOLE_PFN`; `nil` when the guest has no PV console.
    var consoleFrame: UInt64?
  }

  /// The resume "as a new domain" of an HVM container with PV drivers (PVH, PVHVM) that Linux survives.
  ///
  /// A plain same-domain slow resume leaves Xen's vcpu_info registrations in place, so the guest's second
  /// registration is refused and Linux 5.16 and later panic. `XEN_DOMCTL_soft_reset` drops them, with every event
  /// channel of the domain, and resumes the domain; the guest then finds what a new domain finds once the toolstack
  /// has rebuilt what the domain builder gives one: an unbound xenstore port for xenstored named by
  /// `HVM_PARAM_STORE_EVTCHN` and bound by xenstored (XS_INTRODUCE), and the same for the PV console, whose port
  /// xenconsoled reads from `console/port`.
  ///
  /// The domain is paused once more before the soft reset, so it cannot run half rebuilt: Xen's resume at the end of
  /// the soft reset only takes back the shutdown's pause. Until the soft reset everything is undone on failure and
  /// the domain stays suspended; after it, a failure leaves the domain paused (never running half rebuilt), and the
  /// error says which steps remain.
  func resumeSlowBySoftReset(
    _ domain: DomainID, info: DomainInfo, session: DomainSession, marks: inout StageMarks
  ) throws {
    // Read and checked before the first change, so a refusal leaves the guest suspended as it was.
    let storeFrame = try host.hvmParameter(.storeFrame, of: domain)
    guard storeFrame != 0 else {
      throw SuspendResumeError.refused(
        domain, reason: "HVM_PARAM_STORE_PFN is 0: the domain has no xenstore ring to introduce again")
    }
    let consoleFrame = try host.hvmParameter(.consoleFrame, of: domain)
    let toolstack = DomainID.dom0

    try host.pauseDomain(domain)
    do {
      try host.softResetDomain(domain)
    } catch {
      // EINVAL before anything changed (a vcpu not paused for shutdown), or Xen crashed the domain after a late
      // failure: which one, the state read by `translate` tells.
      let undone: String? = (try? host.unpauseDomain(domain)).map { "the extra pause taken back" }
      throw translate(error, domain: domain, undone: undone)
    }
    marks.mark(.softReset, at: clock.elapsed())
    // From here the guest's old channels are gone; it must not run before the new ones exist.
    let storePort = try host.allocateUnboundEventChannel(in: domain, remote: toolstack)
    try host.setHVMParameter(.storeEventChannel, of: domain, to: UInt64(storePort.rawValue))
    if consoleFrame != 0 {
      let consolePort = try host.allocateUnboundEventChannel(in: domain, remote: toolstack)
      try host.setHVMParameter(.consoleEventChannel, of: domain, to: UInt64(consolePort.rawValue))
      try host.write(XenStorePath.consolePort(of: domain), value: String(consolePort.rawValue))
    }
    try host.introduceDomain(domain, storeFrame: storeFrame, storePort: storePort)
    // C xenstored acknowledges XS_INTRODUCE even when its bind failed: only the port's state proves it.
    guard case .interdomain(let remote, _) = try host.eventChannelStatus(of: domain, port: storePort),
      remote == toolstack
    else {
      throw SuspendResumeError.refused(domain, reason: "xenstored did not bind the new store port")
    }
    marks.mark(.channelsRebuilt, at: clock.elapsed())
    try host.resumeDomainInXenStore(domain)
    try host.unpauseDomain(domain)
    marks.mark(.domainResumed, at: clock.elapsed())
  }
}
