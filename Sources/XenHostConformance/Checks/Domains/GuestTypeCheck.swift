import XenResumeCore

extension ConformanceCheck {
  /// The declared guest type is what Xen's own facts say: every other check relies on it to suspend and resume the
  /// guest the right way.
  static let guestTypeMatchesXen = ConformanceCheck(
    name: "domains.guest-type-matches-xen",
    subject: .domains,
    rule: "PV has no XEN_DOMINF_hvm_guest; PVH has it with only the local APIC emulated; HVM and PVHVM have it with "
      + "the full emulation set, PVHVM with HVM_PARAM_CALLBACK_IRQ set by its PV drivers, HVM without",
    source: "xen/common/domctl.c getdomaininfo (XEN_DOMINF_hvm_guest), xen/arch/x86/domctl.c arch_get_domain_info "
      + "(arch_config.emulation_flags), xen/arch/x86/hvm/hvm.c hvmop_get_param",
    body: .guest { session in
      let host = session.context.host
      let guest = session.guest
      let info: DomainInfo
      do {
        info = try host.domainInfo(guest.domain)
      } catch let error as XenCallError where error.errno == .noSuchProcess {
        throw CheckFailure("domain \(guest.domain) does not exist")
      }
      let facts = "hvm flag \(info.isHVM), emulation flags 0x\(String(info.emulationFlags, radix: 16))"
      switch guest.type {
      case .pv:
        try session.context.expect(!info.isHVM, "declared PV but Xen reports an HVM container (\(facts))")
        return "PV: no HVM container"
      case .pvh:
        try session.context.expect(info.isPVHContainer, "declared PVH but Xen reports \(facts)")
        return "PVH: HVM container with only the local APIC emulated"
      case .hvm, .pvhvm:
        try session.context.expect(
          info.isHVM && !info.isPVHContainer, "declared \(guest.type) but Xen reports \(facts)")
        let callback = try host.hvmParameter(.callbackIRQ, of: guest.domain)
        if guest.type == .hvm {
          try session.context.expect(
            callback == 0, "declared HVM (no PV drivers) but HVM_PARAM_CALLBACK_IRQ is \(callback)")
        } else {
          try session.context.expect(
            callback != 0, "declared PVHVM but HVM_PARAM_CALLBACK_IRQ is 0: its PV drivers are not up")
        }
        return "\(guest.type): HVM container with the full emulation set, HVM_PARAM_CALLBACK_IRQ \(callback)"
      }
    })
}
