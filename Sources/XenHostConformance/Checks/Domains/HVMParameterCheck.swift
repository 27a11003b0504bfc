import SystemPackage
import XenResumeCore

extension ConformanceCheck {
  /// HVM parameters exist only for HVM containers: reading one of a PV domain fails with EINVAL.
  static let hvmParameterOfPV = ConformanceCheck(
    name: "domains.hvm-parameter-needs-hvm-container",
    subject: .domains,
    rule: "hvmParameter of a PV domain fails with EINVAL; of an HVM container it succeeds",
    source: "xen/arch/x86/hvm/hvm.c hvmop_get_param (rc = -EINVAL unless is_hvm_domain)",
    body: .guest { session in
      let host = session.context.host
      let domain = session.guest.domain
      if session.guest.type == .pv {
        try session.context.expectFailure(.invalidArgument, "hvmParameter(HVM_PARAM_CALLBACK_IRQ) of a PV domain") {
          try host.hvmParameter(.callbackIRQ, of: domain)
        }
        return "PV: HVM_PARAM_CALLBACK_IRQ fails with EINVAL"
      }
      let sleepState = try host.hvmParameter(.acpiSleepState, of: domain)
      return "HVM container: HVM_PARAM_ACPI_S_STATE reads \(sleepState)"
    })
}
