import XenResumeCore

/// A reaction a guest has yet to carry out.
enum GuestWorkKind: Hashable, Sendable {
  /// Its watch on `control/shutdown` fired: read the node and act on a request.
  case readControlNode
  /// Its suspend event channel was signalled.
  case suspendChannelFired
  /// It acknowledged a request and now makes its suspend hypercall.
  case enterSuspend
  /// A hostile guest's next round of mischief (`HostileGuest.watchStorm`).
  case hostileTick
}

/// A guest reaction addressed to one incarnation of a domain, so that a reaction scheduled for a destroyed domain
/// never reaches a new domain that got the same id.
struct GuestWork: Hashable, Sendable {
  let domain: DomainID
  let incarnation: UInt64
  let kind: GuestWorkKind
}

/// The guest's suspend event channel port, in the guest's own port space (`SimulatedDomain.ports` says what state
/// it is in).
struct GuestSuspendPort: Hashable {
  /// Guest ports 1 and 2 are its xenstore and console channels; the suspend port comes next at boot.
  static let number: UInt32 = 3

  let number: UInt32
}

/// A dom0 daemon's binding to one of a guest's ports (xenstored's to its xenstore port, xenconsoled's to its
/// console port), as the daemon remembers it.
struct DaemonBinding: Hashable {
  /// The daemon's port in domain 0.
  let localPort: UInt32
  /// The guest's port it bound.
  let guestPort: UInt32
}

/// One domain: what the hypervisor knows about it, what xenstored latched, and the guest model inside.
struct SimulatedDomain {
  let id: DomainID
  /// Unique for the host's lifetime, unlike ids.
  let incarnation: UInt64
  /// The guest model; `nil` for domain 0.
  let guest: SimulatedGuest?
  let type: GuestType
  /// The layout of this domain's vcpu contexts: a PV guest's width, the host's for HVM containers.
  let contextWidth: GuestWidth
  var vcpus: [SimulatedVCPU]
  var memory: GuestMemory?

  // MARK: Hypervisor state

  /// `nil` while not shut down.
  var shutdownReason: ShutdownReason?
  /// `XEN_DOMCTL_pausedomain` count.
  var controllerPauseCount = 0
  var isDying = false
  /// The handle libxl would give it (a UUID); derived from the incarnation, so a new domain with a reused id has
  /// another one.
  let handle: DomainHandle
  /// `cpu_time`: grows on every look while the domain runs, starts from 0 for each new domain.
  var cpuTime: UInt64 = 0
  /// What a reading taken while the domain runs adds to `cpuTime`: Xen counts a running vcpu's current stint with
  /// the reading CPU's clock, which may run ahead of the clock of the vcpu's CPU, so such a reading can exceed a
  /// later one taken once the domain stopped (seen on real Xen: `DomainSession.cpuTimeReadingSkew`).
  static let runningReadingSkew: UInt64 = 5_000_000
  /// `XEN_DOMCTL_subscribe`: a port in the guest's port space that Xen signals from when the domain suspends
  /// (0: none, then `VIRQ_DOM_EXC` is raised instead).
  var subscribedSuspendPort: UInt32 = 0
  var hvmParameters: [UInt32: UInt64] = [:]

  // MARK: xenstored

  /// xenstored's `domain->shutdown`: set when it noticed the shutdown and fired `@releaseDomain`, cleared only by
  /// XS_RESUME.
  var xenstoreNoticedShutdown = false

  // MARK: Guest model

  var observations = GuestObservations()
  /// A suspend request is being handled (Linux's `shutting_down`): new requests are ignored.
  var suspendInProgress = false
  /// What the guest was doing when someone else's `xc_domain_shutdown` stopped it.
  var phaseBeforeForcedStop: GuestPhase = .running
  /// Reactions that arrived while the guest could not run.
  var deferredWork: [GuestWorkKind] = []
  /// This guest's own reaction delays, overriding the host's.
  var reactionDelays: GuestReactionDelays?
  var suspendPort: GuestSuspendPort?

  // MARK: Event channels

  /// Every port of the guest's event channel space: xenstore, console, suspend port, and any a toolstack allocated.
  var ports = GuestPortTable()
  /// xenstored's binding to the guest's xenstore port (`nil`: it holds none, as after a failed XS_INTRODUCE bind).
  var xenstoredBinding: DaemonBinding?
  /// xenconsoled's binding to the guest's console port.
  var xenconsoledBinding: DaemonBinding?
  /// The port the guest's xenbus uses: start_info's `store_evtchn` (PV) or `HVM_PARAM_STORE_EVTCHN` as the guest
  /// last read it.
  var guestStorePort: UInt32?
  /// The port the guest's PV console uses, likewise (`HVM_PARAM_CONSOLE_EVTCHN` in an HVM container).
  var guestConsolePort: UInt32?
  /// The guest's xenbus found no xenstored on its port when it woke as a new domain: its resume blocks on xenstore
  /// requests nobody answers, so its xenstore is dead for good.
  var xenbusDead = false
  /// `XEN_DOMCTL_soft_reset` closed the guest's channels while it was stopped; cleared once it sets its channels up
  /// again as a new domain. A guest that runs on with this set uses ports Xen closed under it.
  var channelsResetUnderGuest = false
  /// What the guest does to attack its toolstack, if anything (`SimulatedXenHost.makeHostile(_:_:)`).
  var hostility: HostileGuest?
  /// A hostile guest's next tick is scheduled (or deferred): a new request must not start a second chain of them.
  var hostileTickScheduled = false
  /// The next port number a hostile guest allocates when it advertises a new suspend port.
  var nextHostilePort = GuestSuspendPort.number

  init(id: DomainID, incarnation: UInt64, guest: SimulatedGuest?) {
    self.id = id
    self.incarnation = incarnation
    self.guest = guest
    // A version-4-looking UUID whose last eight bytes are the incarnation: unique for the host's lifetime.
    self.handle = DomainHandle(
      bytes: guest == nil
        ? Array(repeating: 0, count: 16)
        : [0x5e, 0x1a, 0x7e, 0xd0, 0x00, 0x00, 0x40, 0x00]
          + (0..<8).map { UInt8(truncatingIfNeeded: incarnation >> (56 - 8 * $0)) })
    let type = guest?.type ?? .pv
    self.type = type
    self.contextWidth = type.isHVMContainer ? .bits64 : (guest?.width ?? .bits64)
    let vcpuCount = guest?.vcpus ?? 1
    self.vcpus = (0..<vcpuCount).map { SimulatedVCPU(seed: incarnation << 16 | UInt64($0)) }
    if guest != nil {
      memory = GuestMemory(
        domain: id, identity: incarnation, width: contextWidth, pageCount: SimulatedGuest.memoryPages,
        hasPVStructures: type == .pv, hasVGAHole: type == .hvm || type == .pvhvm)
      if type == .pv, guest?.p2m == .linear { memory?.useLinearP2M() }
    }
    if type.isHVMContainer, let guest {
      hvmParameters[HVMParameter.callbackIRQ.rawValue] = guest.type.isPVAware ? guest.kernel.callbackIRQ : 0
      hvmParameters[HVMParameter.acpiSleepState.rawValue] = 0
      // What libxl's domain builder gives every HVM container: the rings in guest memory and their ports, which
      // `SimulatorState.createDomain` allocates in this order.
      hvmParameters[HVMParameter.storeFrame.rawValue] = GuestMemory.storeRingPFN
      hvmParameters[HVMParameter.storeEventChannel.rawValue] = UInt64(GuestPortTable.bootStorePort)
      hvmParameters[HVMParameter.consoleFrame.rawValue] = GuestMemory.consoleRingPFN
      hvmParameters[HVMParameter.consoleEventChannel.rawValue] = UInt64(GuestPortTable.bootConsolePort)
    }
  }

  var isShutDown: Bool { shutdownReason != nil }

  /// Whether the guest's vcpus run: not shut down, not paused, not dying.
  var isRunning: Bool { shutdownReason == nil && controllerPauseCount == 0 && !isDying }

  /// Whether the guest model can react now.
  var guestCanReact: Bool { guest != nil && isRunning && observations.phase != .dead }

  /// `arch_config.emulation_flags` as libxl 4.17 creates each type: none for PV, the local APIC alone for PVH, and
  /// for HVM and PVHVM `XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI` (LAPIC, HPET, PM, RTC, IOAPIC, PIC, VGA, IOMMU, PIT,
  /// USE_PIRQ = 0x3FF): 4.17's libxl has no `hvm_pirq` option yet, so USE_PIRQ stays set.
  static func emulationFlags(of type: GuestType) -> UInt32 {
    switch type {
    case .pv: 0
    case .pvh: DomainInfo.emulationFlagLocalAPIC
    case .hvm, .pvhvm: 0x3FF
    }
  }

  /// The hypervisor's view, encoded as `XEN_DOMCTL_getdomaininfo` encodes it.
  func info() -> DomainInfo {
    var flags = DomainInfo.Flags()
    if isDying { flags.insert(.dying) }
    if type.isHVMContainer { flags.insert(.hvmGuest) }
    if let shutdownReason {
      flags.formUnion(.shutdown(code: shutdownReason.rawValue))
    } else {
      flags.rawValue |= DomainInfo.Flags.notShutDownCode << DomainInfo.Flags.shutdownReasonShift
    }
    if controllerPauseCount > 0 { flags.insert(.paused) }
    if !isShutDown, !isDying {
      // The calling domain is running right now; an idle guest's vcpus wait for events.
      flags.insert(id == .dom0 ? .running : .blocked)
    }
    return DomainInfo(
      domain: id,
      flags: flags,
      maxVCPUID: UInt32(vcpus.count - 1),
      sharedInfoFrame: memory?.reportedSharedInfoFrame ?? GuestMemory.firstMachineFrame - 1,
      emulationFlags: Self.emulationFlags(of: type),
      totalPages: UInt64(memory?.pageCount ?? 0x20000),
      handle: handle,
      cpuTime: isRunning ? cpuTime + Self.runningReadingSkew : cpuTime
    )
  }

  /// Marks the guest as broken for good, keeping the first reason.
  mutating func corrupt(_ reason: String) {
    guard observations.isHealthy else { return }
    observations.isHealthy = false
    observations.failure = reason
  }
}
