import XenResumeCore

extension ConformanceCheck {
  /// `XEN_DOMCTL_resumedomain` of a domain that is not shut down succeeds and changes nothing, which is why every
  /// caller must check the state first.
  static let resumeOfRunningDomain = ConformanceCheck(
    name: "domains.resume-of-running-domain-changes-nothing",
    subject: .domains,
    rule: "resumeDomain of a running domain succeeds and leaves it as it was",
    source: "xen/common/domctl.c XEN_DOMCTL_resumedomain -> xen/common/domain.c domain_resume (clears a shutdown "
      + "that is not there, unpauses only vcpus paused for shutdown)",
    body: .guest { session in
      let host = session.context.host
      let domain = session.guest.domain
      let before = RunningFacts(try session.context.requireRunning(session.guest))
      try host.resumeDomain(domain)
      let after = RunningFacts(try host.domainInfo(domain))
      try session.context.expect(before == after, "resumeDomain changed the domain: \(before) became \(after)")
      return "still \(after)"
    })
}

/// What resuming a running domain must not change. The running and blocked bits are left out: they follow what
/// the vcpus happen to be doing at the moment of each read.
private struct RunningFacts: Equatable, CustomStringConvertible {
  let state: DomainState
  let shutdownCode: UInt32
  let isHVM: Bool
  let maxVCPUID: UInt32
  let sharedInfoFrame: UInt64
  let emulationFlags: UInt32

  init(_ info: DomainInfo) {
    state = DomainState(info)
    shutdownCode = info.flags.rawShutdownCode
    isHVM = info.isHVM
    maxVCPUID = info.maxVCPUID
    sharedInfoFrame = info.sharedInfoFrame
    emulationFlags = info.emulationFlags
  }

  var description: String {
    "\(state) (reason code \(shutdownCode)), \(maxVCPUID + 1) vcpus, shared_info frame \(sharedInfoFrame)"
  }
}
