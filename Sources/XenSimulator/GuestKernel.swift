import XenResumeCore

/// Which guest kernel a simulated guest models: it decides the details a toolstack cannot see from Xen's facts.
public enum GuestKernel: String, Sendable, Hashable, CaseIterable, Codable {
  /// An idealised PV-aware kernel that supports both kinds of resume correctly: woken with 1 it carries on
  /// ("suspend cancelled"); woken with 0 it re-initialises as a new domain (re-reads start_info, brings its
  /// secondary vcpus up, re-registers shared_info, reconnects its PV drivers) and survives. It advertises a suspend
  /// event channel only when asked to. PVHVM and PVH guests report a vector-type `HVM_PARAM_CALLBACK_IRQ`
  /// (`2 << 56 | 0xF3`).
  case generic
  /// Linux 5.16 and later (6.1, 6.12): acknowledges by writing "" in a transaction, never advertises a suspend
  /// event channel (asking for one is a documented no-op), PVHVM and PVH report `HVM_PARAM_CALLBACK_IRQ` = 1, and
  /// registers every vcpu's vcpu_info with Xen at boot.
  ///
  /// Woken with 0 in the same domain, a PV, PVH or PVHVM guest registers its vcpu_info again, Xen refuses
  /// (`SimulatedXenRelease.vcpuInfoReregistrationErrno`), and since Linux 5.16 ("x86/xen: remove
  /// xen_have_vcpu_info_placement flag") that is fatal: it panics with "register_vcpu_info failed: cpu=0 err=-22"
  /// (err=-16 on Xen 4.20). A PV or PVH guest then ends shut down with reason crash (Linux's Xen panic handler),
  /// PVHVM with reason reboot (its restart goes through the emulated platform). Pure HVM (booted `nopv xen_nopv`)
  /// registers nothing and survives. Measured with Linux 6.1 and 6.12 on Xen 4.17 and 4.20 (`Tests/RealXen`); the
  /// survival matrix (the DocC article "Choosing a resume") has every cell.
  case linux
  /// Linux before 5.16 (5.10): like `.linux` until a same-domain slow resume, except that PVHVM and PVH report the
  /// vector-type `HVM_PARAM_CALLBACK_IRQ` (`2 << 56 | 0xF3`): Linux before 6.0 has no per-vcpu upcall vector, so
  /// no "GSI 1" (read from upstream code). After a same-domain slow resume Xen refuses its vcpu_info
  /// registration as it refuses `.linux`'s; this kernel does not panic on that, but it gets no further: measured as
  /// PV, PVH and PVHVM, it hangs (`olderLinuxAfterRefusedVCPUInfo(of:)`, the one place to change when the
  /// survival matrix says otherwise; only the survival matrix says what was measured).
  // swift-format-ignore: AlwaysUseLowerCamelCase
  case linuxBefore5_16 = "linux-before-5.16"
  /// Classic XenLinux (2.6.18 era): always allocates a suspend event channel and writes its port to
  /// `device/suspend/event-channel` on every xenstore (re)connect, suspends when that channel fires, and supports
  /// both kinds of resume like `.generic`.
  case xenLinuxClassic
}

/// What a Linux guest does when Xen refuses to register its vcpu_info again after a same-domain slow resume.
enum RefusedVCPUInfoOutcome: Hashable, Sendable {
  /// `panic()` with the kernel's line; the domain then ends shut down with the reason.
  case panics(thenShutsDown: ShutdownReason)
  /// Stops making progress while Xen goes on reporting the domain running (its kernel oopses or warns on state it
  /// cannot trust, e.g. `invalid opcode`, or a `WARNING` in ktime_get): it never answers again.
  case hangs
}

extension GuestKernel {
  /// Linux 5.16 and later after the refusal: panic, then (PV, PVH) the Xen panic handler shuts down with
  /// `SHUTDOWN_crash` or (PVHVM) a restart through the platform, which Xen records as a reboot (`Tests/RealXen`'s
  /// slow-outcome scenario, Linux 6.1 and 6.12).
  static func panickingLinuxAfterRefusedVCPUInfo(of type: GuestType) -> RefusedVCPUInfoOutcome? {
    switch type {
    // PV and PVH Linux shut down through their Xen panic handler (SHUTDOWN_crash: measured for 6.1 and 6.12); PVHVM
    // restarts through the emulated platform, which Xen records as a reboot (measured for 6.1).
    case .pv, .pvh: .panics(thenShutsDown: .crash)
    case .pvhvm: .panics(thenShutsDown: .reboot)
    case .hvm: nil  // booted `nopv xen_nopv`: no vcpu_info registered, nothing refused
    }
  }

  /// Linux before 5.16 after the refusal, per guest type: THE table to change when the real-Xen survival matrix
  /// (ChoosingAResume.md, `<!-- survival-matrix:begin -->`) measures otherwise; `VerifiedOnRealXenTests` replays that matrix
  /// on the simulator and fails until this table agrees with it.
  ///
  /// Upstream's reading (`xen_vcpu_setup` only warns, and the vcpu falls back to shared_info's vcpu_info) promised
  /// that a PVHVM guest survives, which the 2016 libxl patch for COLO relied on. Real Xen disagreed for every type
  /// (`Tests/RealXen`): the kernel gets past the vcpu_info refusal, then its FIFO event channels' control block cannot
  /// be set up again in the domain that still has it, and `evtchn_fifo_resume` stops on BUG() ("invalid opcode").
  static func olderLinuxAfterRefusedVCPUInfo(of type: GuestType) -> RefusedVCPUInfoOutcome? {
    switch type {
    // Measured with Linux 5.10 as PV and PVHVM (Xen 4.17 and 4.20) and PVH (Xen 4.20): Xen goes on running
    // it, its console stops after the "invalid opcode" oops in evtchn_fifo_resume and a WARNING in ktime_get.
    case .pv, .pvh, .pvhvm: .hangs
    case .hvm: nil  // booted `nopv xen_nopv`: no vcpu_info registered, nothing refused
    }
  }

  /// What a guest of this kernel and type does when its vcpu_info registration is refused; `nil` when it never
  /// registers one.
  func afterRefusedVCPUInfo(of type: GuestType) -> RefusedVCPUInfoOutcome? {
    switch self {
    case .linux: Self.panickingLinuxAfterRefusedVCPUInfo(of: type)
    case .linuxBefore5_16: Self.olderLinuxAfterRefusedVCPUInfo(of: type)
    case .generic, .xenLinuxClassic: nil
    }
  }

  /// Whether a guest of this kernel and type registers its vcpus' vcpu_info with Xen at boot
  /// (`VCPUOP_register_vcpu_info`) and again when woken as a new domain.
  func registersVCPUInfo(as type: GuestType) -> Bool {
    afterRefusedVCPUInfo(of: type) != nil
  }

  /// The line Linux 5.16 and later panics with when Xen refuses vcpu `cpu`'s registration with `errno`.
  static func refusedVCPUInfoMessage(cpu: Int, errno: Int32) -> String {
    "register_vcpu_info failed: cpu=\(cpu) err=-\(errno)"
  }

  /// Whether a guest of this kernel, asked for one, advertises a suspend event channel.
  func advertisesSuspendEventChannel(whenAsked asked: Bool) -> Bool {
    switch self {
    case .generic: asked
    case .linux, .linuxBefore5_16: false
    case .xenLinuxClassic: true
    }
  }

  /// The `HVM_PARAM_CALLBACK_IRQ` value the kernel's PV drivers set in an HVM container.
  var callbackIRQ: UInt64 {
    switch self {
    // Linux reports "GSI 1" to tell the toolstack it is enlightened while it really uses the per-vcpu vector.
    case .linux: 1
    // HVM_PARAM_CALLBACK_TYPE_VECTOR (2) in bits 56-63, vector 0xF3: what older PV drivers register.
    case .generic, .linuxBefore5_16, .xenLinuxClassic: (2 << 56) | 0xF3
    }
  }
}
