import SystemPackage

/// The Xen release a `SimulatedXenHost` plays, for the rules in which releases differ.
///
/// Two rules differ today: the errno Xen gives a vcpu that registers its vcpu_info a second time in the same domain
/// (`VCPUOP_register_vcpu_info`), which a Linux guest does when a same-domain slow resume makes it believe it runs
/// in a new domain, and whether `XEN_DOMCTL_sethvmcontext` checks a context whole before loading any of it
/// (`checksHVMContextBeforeLoading`). Every other rule is Xen 4.17's whatever the release (4.20 keeps them:
/// `HVM_NR_PARAMS` is 39 in both, for instance).
///
/// A registration stays until the domain dies or is soft-reset (`domain_kill`, `domain_soft_reset` unmap it; neither
/// `XEN_DOMCTL_resumedomain` nor a vcpu reset does), so only a new domain lets a guest register again.
public enum SimulatedXenRelease: String, Sendable, Hashable, CaseIterable, Codable {
  /// Xen 4.17, what `Tests/RealXen` boots: `map_vcpu_info` (`xen/common/domain.c`, called from
  /// `common_vcpu_op`'s `VCPUOP_register_vcpu_info`) returns `-EINVAL` once the vcpu's `vcpu_info_mfn` is no longer
  /// `INVALID_MFN`, that is once it registered.
  // swift-format-ignore: AlwaysUseLowerCamelCase
  case xen4_17 = "4.17"
  /// Xen 4.20: since 4.18 ("common: convert vCPU info area registration", commit 295514ff75) `common_vcpu_op`'s
  /// `VCPUOP_register_vcpu_info` returns `-EBUSY` when `v->vcpu_info_area.pg` is already set, and
  /// `map_guest_area` (`xen/common/domain.c`) refuses a re-registration of the vcpu info area with `-EBUSY` under
  /// the domain lock.
  // swift-format-ignore: AlwaysUseLowerCamelCase
  case xen4_20 = "4.20"

  /// The errno of a second `VCPUOP_register_vcpu_info` for one vcpu of one domain: EINVAL (22) on 4.17, EBUSY (16)
  /// on 4.20. Linux prints it negated, as in "register_vcpu_info failed: cpu=0 err=-22".
  public var vcpuInfoReregistrationErrno: Errno {
    switch self {
    case .xen4_17: .invalidArgument
    case .xen4_20: .resourceBusy
    }
  }

  /// Whether `XEN_DOMCTL_sethvmcontext` checks the whole context before it changes anything. 4.20: yes, since 4.19
  /// ("x86/HVM: split restore state checking from state loading", commit 5b6cab423c) the domctl runs `hvm_load`'s
  /// checking pass first, so a context it refuses changes nothing. 4.17: `hvm_load` checks the header, takes every
  /// vcpu down, then loads record by record, so a record it refuses part-way leaves the records before it loaded
  /// and every vcpu without one of them down.
  public var checksHVMContextBeforeLoading: Bool {
    switch self {
    case .xen4_17: false
    case .xen4_20: true
    }
  }
}

extension SimulatedXenRelease: CustomStringConvertible {
  /// `Xen 4.17`, `Xen 4.20`.
  public var description: String { "Xen \(rawValue)" }
}
