import SystemPackage
import XenResumeCore

extension ConformanceCheck {
  /// `XEN_DOMCTL_soft_reset` refuses a domain whose vcpus are not all paused for shutdown before it touches
  /// anything: the soft-reset slow resume relies on it (a guest that is not suspended must never lose its event
  /// channels), and the store port xenstored has bound is read through the two calls that resume checks it with.
  static let softResetNeedsSuspendedDomain = ConformanceCheck(
    name: "domains.soft-reset-needs-suspended-domain",
    subject: .domains,
    rule: "softResetDomain of a running HVM container fails with EINVAL and changes nothing: its store port "
      + "(HVM_PARAM_STORE_EVTCHN) stays bound to dom0",
    source: "xen/common/domain.c domain_soft_reset (-EINVAL unless every vcpu is paused_for_shutdown, before "
      + "evtchn_reset), xen/common/event_channel.c evtchn_status",
    body: .guest { session in
      let host = session.context.host
      let domain = session.guest.domain
      // Xen's check would refuse a running PV domain as well, but a PV domain that got further is crashed, so the
      // suite never makes the call on one.
      guard session.guest.type.isHVMContainer else { throw CheckSkip("PV: Xen has no soft reset for PV domains") }
      let before = DomainState(try session.context.requireRunning(session.guest))
      let storePort = EventChannelPort(
        UInt32(truncatingIfNeeded: try host.hvmParameter(.storeEventChannel, of: domain)))
      let statusBefore = try host.eventChannelStatus(of: domain, port: storePort)
      guard case .interdomain(.dom0, _) = statusBefore else {
        throw CheckFailure("the store port \(storePort) is \(statusBefore) before the call, expected bound to dom0")
      }
      try session.context.expectFailure(.invalidArgument, "softResetDomain of a running domain") {
        try host.softResetDomain(domain)
      }
      let after = DomainState(try host.domainInfo(domain))
      try session.context.expect(after == before, "the domain was \(before) and is \(after) after the refusal")
      let statusAfter = try host.eventChannelStatus(of: domain, port: storePort)
      try session.context.expect(
        statusAfter == statusBefore, "the store port was \(statusBefore) and is \(statusAfter) after the refusal")
      return "EINVAL; still \(after), store port \(storePort) \(statusAfter)"
    })
}
