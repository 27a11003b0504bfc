import XenResumeCore

/// The description of a guest to create in a `SimulatedXenHost`: its type, size, kernel and behaviour.
///
/// Create one with the factory for its type, e.g. `.pv(width: .bits32, vcpus: 2)` or
/// `.pvhvm(suspendEventChannel: true)`; every parameter has a default (64-bit, 1 vcpu, no suspend event channel,
/// `.cooperative`, `.generic`).
public struct SimulatedGuest: Sendable, Hashable {
  /// The guest type, which decides what Xen reports about it.
  public let type: GuestType
  /// The width of the guest's vcpu contexts and start_info: a PV guest's own, the host's (64-bit) for HVM containers.
  public let width: GuestWidth
  /// The number of vcpus (at least 1).
  public let vcpus: Int
  /// Whether a suspend event channel was asked for. What the guest really does is `advertisesSuspendEventChannel`.
  public let requestsSuspendEventChannel: Bool
  /// How the guest answers suspend requests.
  public let behaviour: GuestBehaviour
  /// The kernel it models.
  public let kernel: GuestKernel
  /// How a PV guest publishes its pseudo-physical-to-machine map to tools (`.tree` for every other type).
  public let p2m: GuestPhysicalMapLayout

  /// The number of pages of pseudo-physical memory each simulated guest has: enough for one p2m page in both widths.
  public static let memoryPages = 256

  /// Whether the guest writes a suspend event channel port to `device/suspend/event-channel`: only PV-aware guests,
  /// and only if their kernel does it (`.linux` and `.linuxBefore5_16` never do, `.xenLinuxClassic` always does).
  public var advertisesSuspendEventChannel: Bool {
    type.isPVAware && kernel.advertisesSuspendEventChannel(whenAsked: requestsSuspendEventChannel)
  }

  private init(
    type: GuestType,
    width: GuestWidth,
    vcpus: Int,
    suspendEventChannel: Bool,
    behaviour: GuestBehaviour,
    kernel: GuestKernel,
    p2m: GuestPhysicalMapLayout = .tree
  ) {
    precondition((1...512).contains(vcpus), "a simulated guest has 1 to 512 vcpus, not \(vcpus)")
    self.type = type
    self.width = width
    self.vcpus = vcpus
    self.requestsSuspendEventChannel = suspendEventChannel
    self.behaviour = behaviour
    self.kernel = kernel
    self.p2m = p2m
  }

  /// A paravirtualised guest of the given width.
  ///
  /// With a Linux kernel (`.linux`, `.linuxBefore5_16`), `suspendEventChannel: true` is a no-op: Linux never
  /// advertises one. `p2m: .linear`
  /// models a guest started with `SIF_VIRT_P2M_4TOOLS` (not by xl): its map is reached through `p2m_cr3`.
  public static func pv(
    width: GuestWidth = .bits64,
    vcpus: Int = 1,
    suspendEventChannel: Bool = false,
    behaviour: GuestBehaviour = .cooperative,
    kernel: GuestKernel = .generic,
    p2m: GuestPhysicalMapLayout = .tree
  ) -> SimulatedGuest {
    SimulatedGuest(
      type: .pv, width: width, vcpus: vcpus, suspendEventChannel: suspendEventChannel, behaviour: behaviour,
      kernel: kernel, p2m: p2m)
  }

  /// An HVM guest with PV drivers (platform PCI device on). Its vcpu contexts use the host's width.
  ///
  /// With a Linux kernel (`.linux`, `.linuxBefore5_16`), `suspendEventChannel: true` is a no-op: Linux never
  /// advertises one.
  public static func pvhvm(
    vcpus: Int = 1,
    suspendEventChannel: Bool = false,
    behaviour: GuestBehaviour = .cooperative,
    kernel: GuestKernel = .generic
  ) -> SimulatedGuest {
    SimulatedGuest(
      type: .pvhvm, width: .bits64, vcpus: vcpus, suspendEventChannel: suspendEventChannel, behaviour: behaviour,
      kernel: kernel)
  }

  /// A fully virtualised guest without PV drivers: it never looks at xenstore or its return register and only
  /// suspends through `xc_domain_shutdown`. The kernel makes no difference to it (a `nopv` Linux survives a slow
  /// resume).
  public static func hvm(vcpus: Int = 1, kernel: GuestKernel = .generic) -> SimulatedGuest {
    SimulatedGuest(
      type: .hvm, width: .bits64, vcpus: vcpus, suspendEventChannel: false, behaviour: .cooperative, kernel: kernel)
  }

  /// A PVH guest: an HVM container without a device model, with a PV-aware kernel.
  ///
  /// With a Linux kernel (`.linux`, `.linuxBefore5_16`), `suspendEventChannel: true` is a no-op: Linux never
  /// advertises one.
  public static func pvh(
    vcpus: Int = 1,
    suspendEventChannel: Bool = false,
    behaviour: GuestBehaviour = .cooperative,
    kernel: GuestKernel = .generic
  ) -> SimulatedGuest {
    SimulatedGuest(
      type: .pvh, width: .bits64, vcpus: vcpus, suspendEventChannel: suspendEventChannel, behaviour: behaviour,
      kernel: kernel)
  }
}

extension SimulatedGuest: CustomStringConvertible {
  /// A summary such as `PV 32-bit, 2 vcpus, linux, cooperative`.
  public var description: String {
    var text = type.description
    if type == .pv { text += " \(width)" }
    if type == .pv, p2m == .linear { text += ", linear p2m" }
    text += ", \(vcpus) vcpu\(vcpus == 1 ? "" : "s"), \(kernel.rawValue)"
    if type.isPVAware {
      text += ", \(behaviour.rawValue)"
      if advertisesSuspendEventChannel { text += ", suspend event channel" }
    }
    return text
  }
}
