@_spi(XenHostBackends) import XenResumeCore

/// Domains, vcpus and guest memory: the hypervisor's side of the null host.
extension NullXenHost {
  // MARK: Domains

  /// dom0.
  public func toolstackDomain() throws -> DomainID {
    try observed(.toolstackDomain, nil) { .dom0 }
  }

  /// The domain's current flags, vcpus and shared_info frame; ESRCH for a domain that does not exist.
  public func domainInfo(_ domain: DomainID) throws -> DomainInfo {
    try observed(.domainInfo, domain) {
      try state.withLock { state in
        state.domains[try state.existing(domain, .domainInfo)].info
      }
    }
  }

  /// The guests in id order. The null host models no dom0 (its `domainInfo(.dom0)` is ESRCH), so the list leaves
  /// it out too: a listing must agree with what `domainInfo` answers.
  public func domains() throws -> [DomainInfo] {
    try observed(.domainList, nil) {
      state.withLock { state in state.domains.map(\.info) }
    }
  }

  /// `HVM_PARAM_CALLBACK_IRQ` (1 with PV drivers, 0 without), `HVM_PARAM_ACPI_S_STATE` (always 0), the xenstore and
  /// console rings' frames and ports. EINVAL for a PV domain, as `hvmop_get_param` answers.
  public func hvmParameter(_ parameter: HVMParameter, of domain: DomainID) throws -> UInt64 {
    try observed(.hvmParameter, domain) {
      try state.withLock { state in
        // By index, not a copy of the domain: this read is on the checkpoint's path.
        let index = try state.existing(domain, .hvmParameter)
        let guest = state.domains[index].guest
        guard guest.type.isHVMContainer else {
          throw XenCallError(
            .hvmParameter, domain: domain, errno: .invalidArgument, hint: "HVM parameters exist only for HVM containers"
          )
        }
        switch parameter {
        case .callbackIRQ: return guest.type == .hvm ? 0 : 1
        case .storeFrame: return NullDomain.storeRingFrame
        case .consoleFrame: return NullDomain.consoleRingFrame
        case .storeEventChannel: return state.domains[index].storePortParameter ?? 0
        case .consoleEventChannel: return state.domains[index].consolePortParameter ?? 0
        default: return 0
        }
      }
    }
  }

  /// The guest's width.
  public func guestWidth(of domain: DomainID) throws -> GuestWidth {
    try observed(.guestWidth, domain) {
      try state.withLock { state in
        state.domains[try state.existing(domain, .guestWidth)].guest.width
      }
    }
  }

  /// 64-bit.
  public func hostWidth() throws -> GuestWidth {
    try observed(.hostWidth, nil) { .bits64 }
  }

  /// Stops the domain wherever its vcpus are (for suspend: outside its suspend hypercall); Xen then signals a
  /// subscribed suspend port or raises `VIRQ_DOM_EXC`. A domain already shut down is left as it is.
  public func shutdownDomain(_ domain: DomainID, reason: ShutdownReason) throws {
    let woken = try observed(.shutdownDomain, domain) {
      try state.withLock { state -> Wakeups in
        let index = try state.existing(domain, .shutdownDomain)
        guard case .running = state.domains[index].phase else { return Wakeups() }
        state.domains[index].phase = .shutDown(reason, insideSuspendHypercall: false)
        return state.domainShutDown(index, reason: reason)
      }
    }
    woken.resume()
  }

  /// `XEN_DOMCTL_resumedomain`: a domain that is not shut down is left as it is (Xen's `domain_resume` has nothing
  /// to undo); a suspended cooperative guest reads its return register: 1 carries on, 0 starts over as a new
  /// domain and needs its start_info frames translated and its secondary vcpus reset. EINVAL for dom0, the caller.
  public func resumeDomain(_ domain: DomainID) throws {
    try observed(.resumeDomain, domain) {
      guard domain != .dom0 else {
        throw XenCallError(.resumeDomain, domain: domain, errno: .invalidArgument, hint: "dom0 cannot resume itself")
      }
      try state.withLock { state in
        let index = try state.existing(domain, .resumeDomain)
        try state.domains[index].resume()
      }
    }
  }

  /// Counts a pause.
  public func pauseDomain(_ domain: DomainID) throws {
    try observed(.pauseDomain, domain) {
      try state.withLock { state in state.domains[try state.existing(domain, .pauseDomain)].pauseCount += 1 }
    }
  }

  /// Takes back a pause; at the last one a soft-reset guest wakes and checks its rebuilt channels.
  public func unpauseDomain(_ domain: DomainID) throws {
    try observed(.unpauseDomain, domain) {
      try state.withLock { state in
        let index = try state.existing(domain, .unpauseDomain)
        try state.domains[index].unpause(
          consolePortNode: state.storedValue(XenStorePath.consolePort(of: domain)))
      }
    }
  }

  /// `XEN_DOMCTL_soft_reset` of a suspended HVM container the toolstack paused (`NullDomain.softReset()`).
  public func softResetDomain(_ domain: DomainID) throws {
    try observed(.softResetDomain, domain) {
      try state.withLock { state in try state.domains[try state.existing(domain, .softResetDomain)].softReset() }
    }
  }

  /// `HVM_PARAM_STORE_EVTCHN` and `HVM_PARAM_CONSOLE_EVTCHN` are kept for the guest's wake; others are refused.
  public func setHVMParameter(_ parameter: HVMParameter, of domain: DomainID, to value: UInt64) throws {
    try observed(.setHVMParameter, domain) {
      try state.withLock { state in
        let index = try state.existing(domain, .setHVMParameter)
        switch parameter {
        case .storeEventChannel: state.domains[index].storePortParameter = value
        case .consoleEventChannel: state.domains[index].consolePortParameter = value
        default: throw NullXenHost.mistake(.setHVMParameter, domain, "the controller never sets \(parameter)")
        }
      }
    }
  }

  // MARK: vcpus

  /// The stored context; no copy is made.
  public func vcpuContext(of domain: DomainID, vcpu: UInt32, width: GuestWidth) throws -> VCPUContext {
    try observed(.vcpuContext, domain) {
      try state.withLock { state in
        let index = try state.existing(domain, .vcpuContext)
        let context = try state.domains[index].context(vcpu, .vcpuContext)
        guard context.width == width else {
          throw NullXenHost.mistake(.vcpuContext, domain, "asked for a \(width) context of a \(context.width) guest")
        }
        return context
      }
    }
  }

  /// Replaces a suspended guest's context; refuses a running guest and a guest stopped outside its hypercall.
  public func setVCPUContext(_ context: VCPUContext, of domain: DomainID, vcpu: UInt32) throws {
    try observed(.setVCPUContext, domain) {
      try state.withLock { state in
        let index = try state.existing(domain, .setVCPUContext)
        try state.domains[index].requireSuspended(.setVCPUContext, "writing a running guest's registers corrupts it")
        if vcpu == 0, case .shutDown(_, insideSuspendHypercall: false) = state.domains[index].phase {
          throw NullXenHost.mistake(
            .setVCPUContext, domain, "vcpu0 was stopped by xc_domain_shutdown, not in its suspend hypercall")
        }
        let current = try state.domains[index].context(vcpu, .setVCPUContext)
        guard current.width == context.width else {
          throw NullXenHost.mistake(.setVCPUContext, domain, "a \(context.width) context for a \(current.width) guest")
        }
        state.domains[index].contexts[Int(vcpu)] = context
      }
    }
  }

  /// Resets a secondary vcpu of a suspended guest.
  public func resetVCPU(of domain: DomainID, vcpu: UInt32) throws {
    try observed(.resetVCPU, domain) {
      try state.withLock { state in
        let index = try state.existing(domain, .resetVCPU)
        try state.domains[index].requireSuspended(.resetVCPU, "resetting a running guest's vcpu")
        guard vcpu != 0 else { throw NullXenHost.mistake(.resetVCPU, domain, "vcpu0 is never reset") }
        _ = try state.domains[index].context(vcpu, .resetVCPU)
        state.domains[index].vcpuReset[Int(vcpu)] = true
      }
    }
  }

  // MARK: Foreign memory

  /// Copies bytes out of one of the guest's pages (shared_info, the p2m frames, start_info).
  public func readGuestMemory(of domain: DomainID, frame: UInt64, offset: Int, count: Int) throws -> [UInt8] {
    try observed(.readGuestMemory, domain) {
      try state.withLock { state in
        let index = try state.existing(domain, .readGuestMemory)
        let page = try state.domains[index].page(frame, offset: offset, count: count, .readGuestMemory)
        return Array(state.domains[index].pages[page][offset..<offset + count])
      }
    }
  }

  /// Writes into the guest's start_info page, the only page a resume may write, while it is suspended.
  public func writeGuestMemory(of domain: DomainID, frame: UInt64, offset: Int, bytes: [UInt8]) throws {
    try observed(.writeGuestMemory, domain) {
      try state.withLock { state in
        let index = try state.existing(domain, .writeGuestMemory)
        let page = try state.domains[index].page(frame, offset: offset, count: bytes.count, .writeGuestMemory)
        try state.domains[index].requireSuspended(.writeGuestMemory, "writing a running guest's memory")
        guard page == NullDomain.startInfoPage else {
          throw NullXenHost.mistake(.writeGuestMemory, domain, "a resume writes only start_info")
        }
        state.domains[index].pages[page].replaceSubrange(offset..<offset + bytes.count, with: bytes)
      }
    }
  }
}
