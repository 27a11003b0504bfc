/// A domain as the hypervisor reports it (`XEN_DOMCTL_getdomaininfo`).
public struct DomainInfo: Sendable, Hashable {
  /// The bits of the `flags` word of `struct xen_domctl_getdomaininfo` (`XEN_DOMINF_*`).
  public struct Flags: OptionSet, Sendable, Hashable {
    /// The raw flags word.
    public var rawValue: UInt32

    /// Wraps a raw flags word.
    public init(rawValue: UInt32) {
      self.rawValue = rawValue
    }

    /// `XEN_DOMINF_dying`: the domain is being destroyed.
    public static let dying = Flags(rawValue: 1 << 0)
    /// `XEN_DOMINF_hvm_guest`: the domain runs in an HVM container (HVM, PVHVM or PVH).
    public static let hvmGuest = Flags(rawValue: 1 << 1)
    /// `XEN_DOMINF_shutdown`: the domain is shut down; the reason is in bits 16–23.
    public static let shutdown = Flags(rawValue: 1 << 2)
    /// `XEN_DOMINF_paused`: the domain is paused by the toolstack.
    public static let paused = Flags(rawValue: 1 << 3)
    /// `XEN_DOMINF_blocked`: every vcpu is blocked.
    public static let blocked = Flags(rawValue: 1 << 4)
    /// `XEN_DOMINF_running`: a vcpu is running right now.
    public static let running = Flags(rawValue: 1 << 5)
    /// `XEN_DOMINF_debugged`: a debugger is attached.
    public static let debugged = Flags(rawValue: 1 << 6)

    /// Bit position of the shutdown reason (`XEN_DOMINF_shutdownshift`).
    public static let shutdownReasonShift: UInt32 = 16
    /// Mask of the shutdown reason after shifting (`XEN_DOMINF_shutdownmask`).
    public static let shutdownReasonMask: UInt32 = 0xFF

    /// The raw shutdown reason code. Xen always fills it in (255 while running): meaningful only with `.shutdown`.
    public var rawShutdownCode: UInt32 {
      (rawValue >> Self.shutdownReasonShift) & Self.shutdownReasonMask
    }

    /// Flags for a shut-down domain with the given reason code in bits 16–23.
    public static func shutdown(code: UInt32) -> Flags {
      Flags(rawValue: Flags.shutdown.rawValue | ((code & shutdownReasonMask) << shutdownReasonShift))
    }

    /// The reason code Xen puts in a domain that is not shut down.
    public static let notShutDownCode: UInt32 = 0xFF
  }

  /// `XEN_X86_EMU_LAPIC`: the emulation flag a PVH container carries, and the only one.
  public static let emulationFlagLocalAPIC: UInt32 = 1 << 0

  /// The domain this describes.
  public var domain: DomainID
  /// The raw `XEN_DOMINF_*` flags word, shutdown reason included.
  public var flags: Flags
  /// The highest vcpu id the domain has (`max_vcpu_id`): vcpus are `0...maxVCPUID`.
  public var maxVCPUID: UInt32
  /// The machine frame of the domain's shared_info page.
  public var sharedInfoFrame: UInt64
  /// `arch_config.emulation_flags` (`XEN_X86_EMU_*`): which devices Xen emulates for an HVM container.
  public var emulationFlags: UInt32
  /// Memory in use, in pages.
  public var totalPages: UInt64
  /// The handle the toolstack gave the domain at creation (libxl: the guest's UUID).
  public var handle: DomainHandle
  /// CPU time the domain has consumed, in nanoseconds (`cpu_time`). It only grows while one domain lives, so a
  /// smaller value under the same id means a new domain.
  public var cpuTime: UInt64

  /// Describes a domain from the fields of `struct xen_domctl_getdomaininfo`.
  public init(
    domain: DomainID,
    flags: Flags,
    maxVCPUID: UInt32 = 0,
    sharedInfoFrame: UInt64 = 0,
    emulationFlags: UInt32 = 0,
    totalPages: UInt64 = 0,
    handle: DomainHandle = .zero,
    cpuTime: UInt64 = 0
  ) {
    self.domain = domain
    self.flags = flags
    self.maxVCPUID = maxVCPUID
    self.sharedInfoFrame = sharedInfoFrame
    self.emulationFlags = emulationFlags
    self.totalPages = totalPages
    self.handle = handle
    self.cpuTime = cpuTime
  }

  /// Whether the domain runs in an HVM container (HVM, PVHVM or PVH).
  public var isHVM: Bool { flags.contains(.hvmGuest) }
  /// Whether the toolstack paused the domain.
  public var isPaused: Bool { flags.contains(.paused) }
  /// Whether the domain is shut down (for any reason).
  public var isShutdown: Bool { flags.contains(.shutdown) }
  /// Whether the domain is being destroyed.
  public var isDying: Bool { flags.contains(.dying) }

  /// The shutdown reason, only when the shutdown bit is set; a code Xen does not define reads as `nil`.
  public var shutdownReason: ShutdownReason? {
    guard isShutdown else { return nil }
    return ShutdownReason(rawValue: flags.rawShutdownCode)
  }

  /// Whether Xen reports the domain shut down with reason suspend: the only state a resume may start from.
  public var isSuspended: Bool { shutdownReason == .suspend }

  /// Whether the container is PVH: HVM flag and only the local APIC emulated.
  public var isPVHContainer: Bool { isHVM && emulationFlags == Self.emulationFlagLocalAPIC }

  /// The number of vcpus (`maxVCPUID + 1`).
  public var vcpuCount: Int { Int(maxVCPUID) + 1 }
}

extension DomainInfo: CustomStringConvertible {
  /// A one-line summary such as `domain 7: shutdown(suspend), hvm, 2 vcpus`.
  public var description: String {
    var state: String
    if isDying {
      state = "dying"
    } else if isShutdown {
      state = "shutdown(\(shutdownReason.map(String.init(describing:)) ?? "code \(flags.rawShutdownCode)"))"
    } else if isPaused {
      state = "paused"
    } else {
      state = "running"
    }
    if isHVM { state += isPVHContainer ? ", pvh container" : ", hvm" }
    return "domain \(domain): \(state), \(vcpuCount) vcpu\(vcpuCount == 1 ? "" : "s")"
  }
}
