/// How a suspended domain is brought back.
public enum ResumeMode: String, Sendable, Hashable, CaseIterable, Codable {
  /// Cooperative ("suspend cancelled"): vcpu0's return register is set to 1 where the guest is inside its suspend
  /// hypercall, so it carries on with its old state and connections. Right for checkpoints and live migration
  /// sources. HVM guests without PV drivers are resumed without touching registers.
  case fast
  /// "Resumed as a new domain": the return register is left at 0. PV guests get their start_info frames
  /// rewritten and secondary vcpus reset; PVHVM guests re-register shared_info and reconnect their PV drivers.
  ///
  /// Which guests survive a same-domain slow resume, as far as measured: on real Xen 4.17, Linux 6.1 guests panic
  /// as PV, PVH and PVHVM ("register_vcpu_info failed: cpu=0 err=-22": Linux registers its vcpu_info again, and Xen
  /// refuses a second registration in the same domain); pure HVM guests survive it. Other kernels and Xen releases
  /// (Linux 5.10 and 6.12, Xen 4.20) are in the survival matrix in README.md, which holds only what a real-Xen run
  /// measured. So for PV-aware guests this mode needs `ResumeOptions.confirmSlowResumeOfPVAwareGuest`. It is right
  /// for guests without suspend-cancel support, pure HVM guests, and domains whose state was replaced (a COLO
  /// secondary, a restore).
  case slow
  /// Only `XEN_DOMCTL_resumedomain`, registers untouched: for a domain that Xen reports suspended although the
  /// guest never made its suspend hypercall (someone called `xc_domain_shutdown` on it). Writing a return
  /// register into such a guest would corrupt it.
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

  /// Allows `.slow` on a PV-aware guest (PV, PVH, PVHVM) although Linux 6.1 guests of these types panic after a
  /// same-domain slow resume on real Xen 4.17; whether other kernels and Xen releases survive it is in README.md's
  /// survival matrix, as far as measured.
  public static let confirmSlowResumeOfPVAwareGuest = ResumeOptions(rawValue: 1 << 0)
}
