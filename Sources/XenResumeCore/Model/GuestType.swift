/// What kind of guest a domain is, judged from Xen's own facts.
public enum GuestType: String, Sendable, Hashable, CaseIterable, Codable {
  /// A paravirtualised guest: no HVM container; PV drivers and the suspend hypercall always.
  case pv
  /// An HVM guest with PV drivers (`HVM_PARAM_CALLBACK_IRQ` ≠ 0).
  case pvhvm
  /// A fully virtualised guest without PV drivers: it only suspends through `xc_domain_shutdown`.
  case hvm
  /// A PVH guest: an HVM container without a device model (only the local APIC emulated), PV-aware kernel.
  case pvh

  /// Whether the guest runs inside an HVM container (its vcpu context uses the host's width).
  public var isHVMContainer: Bool { self != .pv }

  /// Whether the guest has PV drivers and makes its own `SCHEDOP_shutdown(SHUTDOWN_suspend)` hypercall.
  public var isPVAware: Bool { self != .hvm }
}

extension GuestType: CustomStringConvertible {
  /// The upper-case name operators know: PV, PVHVM, HVM, PVH.
  public var description: String { rawValue.uppercased() }
}
