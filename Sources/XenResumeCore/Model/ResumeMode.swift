/// How a suspended domain is brought back.
public enum ResumeMode: String, Sendable, Hashable, CaseIterable, Codable {
  /// Cooperative ("suspend cancelled"): vcpu0's return register is set to 1 where the guest is inside its suspend
  /// hypercall, so it carries on with its old state and connections. Right for checkpoints and live migration
  /// sources. HVM guests without PV drivers are resumed without touching registers.
  case fast
  /// "Resumed as a new domain": the return register is left at 0, and the guest sets itself up again as after a
  /// migration.
  ///
  /// - PVH and PVHVM guests: by `XEN_DOMCTL_soft_reset`, which drops the vcpu_info registrations, event channels and
  ///   shared_info page a same-domain resume would leave in place, then the controller rebuilds what a domain
  ///   builder gives a new domain (xenstore and console ports, XS_INTRODUCE). Measured on real Xen 4.17 and 4.20
  ///   with Linux 6.1 and 6.12: the guest runs on, answers later suspends and keeps its console (the survival
  ///   matrix of <doc:ChoosingAResume>). `ResumeOptions.resumeSlowWithoutSoftReset` asks for the old
  ///   `XEN_DOMCTL_resumedomain`-only resume instead.
  /// - PV guests get their start_info frames rewritten and secondary vcpus reset, then `XEN_DOMCTL_resumedomain`.
  ///   Xen has no soft reset for PV (it crashes the domain), so the vcpu_info registrations stay and Linux 6.1 and
  ///   6.12 panic ("register_vcpu_info failed: cpu=0 err=-22" on 4.17, err=-16 on 4.20), Linux 5.10 hangs. This,
  ///   and the resumedomain-only resume of PVH and PVHVM guests (same outcomes), need
  ///   `ResumeOptions.confirmSlowResumeOfPVAwareGuest`.
  /// - Pure HVM guests: `XEN_DOMCTL_resumedomain` alone, which they survive.
  case slow
  /// Only `XEN_DOMCTL_resumedomain`, registers untouched: for a domain that Xen reports suspended although the
  /// guest never made its suspend hypercall (someone called `xc_domain_shutdown` on it). Writing a return
  /// register into such a guest would corrupt it. Refused for a PV-aware guest this controller itself suspended
  /// through xenstore or its event channel: that guest is inside its hypercall, and would wake as a new domain
  /// with nothing rebuilt for it.
  case uncooperative
}

/// Opt-ins for `SuspendController.resume(_:mode:options:)`.
public struct ResumeOptions: OptionSet, Sendable, Hashable {
  /// The raw bits.
  public var rawValue: UInt8

  /// Wraps raw bits.
  public init(rawValue: UInt8) {
    self.rawValue = rawValue
  }

  /// Allows a same-domain `.slow` resume without a soft reset on a PV-aware guest: a PV guest's (Xen has no soft
  /// reset for PV), or a PVH or PVHVM guest's with `resumeSlowWithoutSoftReset`. No Linux guest measured on real Xen
  /// 4.17 or 4.20 (Linux 5.10, 6.1, 6.12) survives that: 6.1 and 6.12 panic, 5.10 hangs (<doc:ChoosingAResume>).
  /// Not needed for the soft-reset resume of PVH and PVHVM guests.
  public static let confirmSlowResumeOfPVAwareGuest = ResumeOptions(rawValue: 1 << 0)

  /// Makes `.slow` on a PVH or PVHVM guest only `XEN_DOMCTL_resumedomain`, as libxl and COLO do, instead of the
  /// soft-reset resume: the vcpu_info registrations stay, which Linux 5.16 and later do not survive. Needs
  /// `confirmSlowResumeOfPVAwareGuest`. For measuring that resume, and for guests that do not register vcpu_info.
  public static let resumeSlowWithoutSoftReset = ResumeOptions(rawValue: 1 << 1)
}
