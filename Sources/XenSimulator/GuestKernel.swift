import XenResumeCore

/// Which guest kernel a simulated guest models: it decides the details a toolstack cannot see from Xen's facts.
public enum GuestKernel: String, Sendable, Hashable, CaseIterable, Codable {
  /// An idealised PV-aware kernel that supports both kinds of resume correctly: woken with 1 it carries on
  /// ("suspend cancelled"); woken with 0 it re-initialises as a new domain (re-reads start_info, brings its
  /// secondary vcpus up, re-registers shared_info, reconnects its PV drivers) and survives. It advertises a suspend
  /// event channel only when asked to. PVHVM and PVH guests report a vector-type `HVM_PARAM_CALLBACK_IRQ`
  /// (`2 << 56 | 0xF3`).
  case generic
  /// Linux 6.1 as measured on Xen 4.17 (`xen-in-qemu.md`): acknowledges by writing "" in a transaction, never
  /// advertises a suspend event channel (asking for one is a documented no-op), PVHVM and PVH report
  /// `HVM_PARAM_CALLBACK_IRQ` = 1, and a PV, PVH or PVHVM guest woken with 0 in the same domain panics with
  /// "register_vcpu_info failed: cpu=0 err=-22". A PV guest then ends shut down with reason crash (Linux's Xen
  /// panic handler; measured by `Tests/RealXen`), PVHVM and PVH with reason reboot (their restart goes through
  /// the emulated platform; measured for PVHVM in `xen-in-qemu.md`). Pure HVM survives.
  case linux
  /// Classic XenLinux (2.6.18 era): always allocates a suspend event channel and writes its port to
  /// `device/suspend/event-channel` on every xenstore (re)connect, suspends when that channel fires, and supports
  /// both kinds of resume like `.generic`.
  case xenLinuxClassic
}

extension GuestKernel {
  /// Whether a guest of this kernel, asked for one, advertises a suspend event channel.
  func advertisesSuspendEventChannel(whenAsked asked: Bool) -> Bool {
    switch self {
    case .generic: asked
    case .linux: false
    case .xenLinuxClassic: true
    }
  }

  /// Whether the kernel dies when woken with 0 in the domain it suspended in (Linux re-registers vcpu_info, which
  /// Xen refuses a second time).
  var panicsOnSameDomainSlowResume: Bool { self == .linux }

  /// The message Linux 6.1 panics with after a same-domain slow resume.
  static let sameDomainSlowResumePanic = "register_vcpu_info failed: cpu=0 err=-22"

  /// The `HVM_PARAM_CALLBACK_IRQ` value the kernel's PV drivers set in an HVM container.
  var callbackIRQ: UInt64 {
    switch self {
    // Linux reports "GSI 1" to tell the toolstack it is enlightened while it really uses the per-vcpu vector.
    case .linux: 1
    // HVM_PARAM_CALLBACK_TYPE_VECTOR (2) in bits 56-63, vector 0xF3: what older PV drivers register.
    case .generic, .xenLinuxClassic: (2 << 56) | 0xF3
    }
  }
}

extension GuestKernel {
  /// How a guest of this type ends after the same-domain slow-resume panic: PV Linux shuts itself down with
  /// `SHUTDOWN_crash` through its Xen panic handler (real Xen 4.17, `Tests/RealXen`'s slow-panic scenario:
  /// reason 3); HVM containers restart through the platform, which Xen records as a reboot.
  static func shutdownReasonAfterSlowResumePanic(of type: GuestType) -> ShutdownReason {
    type == .pv ? .crash : .reboot
  }
}
