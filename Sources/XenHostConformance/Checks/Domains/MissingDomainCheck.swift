import SystemPackage
import XenResumeCore

extension ConformanceCheck {
  /// Calls about a domain that does not exist fail with ESRCH; XS_RESUME for it fails with ENOENT.
  static let missingDomain = ConformanceCheck(
    name: "domains.missing-domain-is-esrch",
    subject: .domains,
    rule: "domainInfo, guestWidth, vcpuContext, hvmParameter and resumeDomain of a missing domain fail with ESRCH; "
      + "XS_RESUME of it fails with ENOENT",
    source: "xen/common/domctl.c do_domctl (rcu_lock_domain_by_id fails: -ESRCH before any command), "
      + "xen/common/sysctl.c XEN_SYSCTL_getdomaininfolist (returns the next domain up: the backend must check the id), "
      + "xen/arch/x86/hvm/hvm.c hvmop_get_param (-ESRCH), "
      + "tools/xenstore/xenstored_domain.c do_resume -> find_connected_domain (ENOENT)",
    body: .host { context in
      let host = context.host
      let missing = context.settings.missingDomain
      do {
        let info = try host.domainInfo(missing)
        throw CheckSkip("domain \(missing) exists (\(DomainState(info))): choose a missing domain that does not")
      } catch let error as XenCallError {
        try context.expect(
          error.errno == .noSuchProcess,
          "domainInfo(\(missing)): expected \(CheckContext.name(of: .noSuchProcess)), got \(error)")
      }
      // Only calls that cannot change a domain that appeared meanwhile: resumedomain of a running domain is a
      // no-op (see domains.resume-of-running-domain-changes-nothing).
      try context.expectFailure(.noSuchProcess, "guestWidth(of: \(missing))") { try host.guestWidth(of: missing) }
      try context.expectFailure(.noSuchProcess, "vcpuContext(of: \(missing), vcpu: 0)") {
        try host.vcpuContext(of: missing, vcpu: 0, width: .bits64)
      }
      try context.expectFailure(.noSuchProcess, "hvmParameter(HVM_PARAM_CALLBACK_IRQ, of: \(missing))") {
        try host.hvmParameter(.callbackIRQ, of: missing)
      }
      try context.expectFailure(.noSuchProcess, "resumeDomain(\(missing))") { try host.resumeDomain(missing) }
      try context.expectFailure(.noSuchFileOrDirectory, "resumeDomainInXenStore(\(missing))") {
        try host.resumeDomainInXenStore(missing)
      }
      return
        "domain \(missing): domainInfo, guestWidth, vcpuContext, hvmParameter, resumeDomain ESRCH; XS_RESUME ENOENT"
    })
}
