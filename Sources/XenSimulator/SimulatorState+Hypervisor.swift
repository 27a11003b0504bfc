import SystemPackage
@_spi(XenHostBackends) import XenResumeCore

/// The hypervisor's rules: shutdown and resume, vcpu contexts, foreign memory, HVM parameters.
extension SimulatorState {
  /// `HVM_NR_PARAMS` in Xen 4.17: higher indices are invalid.
  static let hvmParameterCount: UInt32 = 39

  // MARK: Shutdown and resume

  /// `domain_shutdown`: stops every vcpu and records the reason; a domain already shut down is left alone.
  /// When `byGuest` is false the guest was not told (someone else's `xc_domain_shutdown`).
  mutating func shutDown(_ id: DomainID, reason: ShutdownReason, byGuest: Bool) {
    guard var domain = domains[id], domain.shutdownReason == nil else { return }
    domain.shutdownReason = reason
    if !byGuest, domain.guest != nil {
      let phase = domain.observations.phase
      if phase == .running || phase == .suspending {
        domain.phaseBeforeForcedStop = phase
        domain.observations.phase = .stoppedByForce
        // Stopped at an arbitrary point: its registers hold whatever it was computing, not a start_info frame.
        domain.vcpus[0].runOn()
        if let memory = domain.memory, case .success = memory.mappedFrame(domain.vcpus[0].startInfoRegister) {
          domain.vcpus[0].startInfoRegister ^= 0xFFFF_0000_0000
        }
      }
    }
    if !domain.xenstoreNoticedShutdown { unnoticedShutdowns.insert(id) }
    let subscribedPort = domain.subscribedSuspendPort
    domains[id] = domain
    // __domain_finalise_shutdown: a subscribed suspend port instead of VIRQ_DOM_EXC, for suspends only.
    if reason == .suspend, subscribedPort != 0 {
      sendFromGuestPort(subscribedPort, of: id)
    } else {
      xenstoredScansDomains()
    }
  }

  /// `XEN_DOMCTL_resumedomain`: EINVAL for the calling domain; otherwise clears the shutdown and lets the vcpus
  /// run, which on a domain that is not shut down changes nothing.
  mutating func resumeDomain(_ id: DomainID) throws {
    guard id != .dom0 else { throw Errno.invalidArgument }
    let domain = try existingDomain(id)
    guard domain.shutdownReason != nil else { return }
    domains[id]?.shutdownReason = nil
    unnoticedShutdowns.remove(id)
    if domains[id]?.isRunning == true { guestRunsAgain(id) }
  }

  /// `XEN_DOMCTL_soft_reset` (`domain_soft_reset`), in Xen's order:
  ///
  /// 1. EINVAL, nothing changed, for the caller's own domain (domain 0), a dying domain, and a domain whose vcpus are
  ///    not all paused for shutdown (one that is not shut down: any reason will do, a suspend as a crash).
  /// 2. `evtchn_reset`: EINVAL, nothing changed, unless the toolstack paused the domain; then every port of the guest
  ///    closes, and domain 0's ends bound to them (the toolstack's, xenstored's, xenconsoled's) are left unbound.
  /// 3. Every vcpu's vcpu_info registration is dropped (the runstate area with it).
  /// 4. `arch_domain_soft_reset`: EINVAL for a PV domain, and Xen then calls `domain_crash`, which on a domain already
  ///    shut down keeps the first shutdown code: the domain stays shut down as it was, with its channels gone, and
  ///    the guest is dead. An HVM container's shared_info page leaves its physical map and a new RAM page takes its
  ///    frame (the guest maps its shared_info there again when it wakes as a new domain), and its IOREQ servers are
  ///    left alone.
  /// 5. `domain_resume`: the shutdown is cleared, but the toolstack's pauses are kept, so the guest does not run
  ///    before they are all taken back.
  ///
  /// The suspend subscription (`XEN_DOMCTL_subscribe`) stays: it names a guest port number, now closed.
  mutating func softResetDomain(_ id: DomainID) throws {
    guard id != .dom0 else { throw Errno.invalidArgument }
    let domain = try existingDomain(id)
    guard !domain.isDying, domain.isShutDown else { throw Errno.invalidArgument }
    guard domain.controllerPauseCount > 0 else { throw Errno.invalidArgument }
    closeAllEventChannels(of: id)
    for vcpu in domain.vcpus.indices { domains[id]?.vcpus[vcpu].hasRegisteredVCPUInfo = false }
    // The guest, if it ever runs again, finds the channels it knew closed until it sets them up as a new domain.
    if domain.guest != nil { domains[id]?.channelsResetUnderGuest = true }
    guard domain.type.isHVMContainer else {
      if domain.guest != nil {
        domains[id]?.corrupt("XEN_DOMCTL_soft_reset of a PV domain: Xen closed its event channels, then crashed it")
        domains[id]?.observations.phase = .dead
        domains[id]?.suspendInProgress = false
      }
      throw Errno.invalidArgument
    }
    domains[id]?.memory?.replaceSharedInfoWithRAM()
    domains[id]?.shutdownReason = nil
    unnoticedShutdowns.remove(id)
    if domains[id]?.isRunning == true { guestRunsAgain(id) }
  }

  /// xenstored's answer to `VIRQ_DOM_EXC`: every domain newly found shut down is latched, and `@releaseDomain`
  /// fires once if there was any (and not at all when `firing` is false, for a caller that fires it anyway).
  @discardableResult
  mutating func xenstoredScansDomains(firing: Bool = true) -> Bool {
    guard !unnoticedShutdowns.isEmpty else { return false }
    var noticed = false
    for id in unnoticedShutdowns where domains[id]?.isShutDown == true && domains[id]?.xenstoreNoticedShutdown == false
    {
      domains[id]?.xenstoreNoticedShutdown = true
      noticed = true
    }
    unnoticedShutdowns.removeAll(keepingCapacity: true)
    if noticed, firing { fireSpecialWatch(XenStorePath.releaseDomain) }
    return noticed
  }

  /// XS_RESUME: xenstored forgets that it saw the domain shut down. EINVAL for domain 0, ENOENT for a domain
  /// xenstored does not know.
  mutating func resumeDomainInXenStore(_ id: DomainID) throws {
    try store.requireRunning(for: .dom0)
    guard id != .dom0 else { throw Errno.invalidArgument }
    guard let domain = domains[id], !domain.isDying else { throw Errno.noSuchFileOrDirectory }
    domains[id]?.xenstoreNoticedShutdown = false
    if domain.isShutDown { unnoticedShutdowns.insert(id) }
  }

  // MARK: vcpus

  func checkedVCPU(_ vcpu: UInt32, of domain: SimulatedDomain) throws -> Int {
    guard domain.id != .dom0, Int(vcpu) < domain.vcpus.count else { throw Errno.invalidArgument }
    return Int(vcpu)
  }

  /// `XEN_DOMCTL_getvcpucontext`: works on running domains (Xen pauses the vcpu briefly); ENODATA for a vcpu that
  /// was reset. The bytes are in the domain's own layout; asked in the other width they are cut or padded, as a
  /// caller who misjudged the width would see them.
  mutating func vcpuContext(of id: DomainID, vcpu: UInt32, width: GuestWidth) throws -> VCPUContext {
    let domain = try existingDomain(id)
    let index = try checkedVCPU(vcpu, of: domain)
    let state = domain.vcpus[index]
    guard state.isInitialised else { throw Errno.noData }
    let bytes = state.contextBytes(width: domain.contextWidth)
    if domain.isRunning { domains[id]?.vcpus[index].runOn() }
    let context = VCPUContext(width: domain.contextWidth, bytes: bytes)!
    guard width != domain.contextWidth else { return context }
    return VCPUContext(width: width, bytes: SimulatedVCPU.reinterpret(context, as: width))!
  }

  /// `XEN_DOMCTL_setvcpucontext`: legal whatever the guest is doing, but only a guest stopped inside its own
  /// suspend hypercall survives it, and only a change of vcpu0's return register.
  mutating func setVCPUContext(_ context: VCPUContext, of id: DomainID, vcpu: UInt32) throws {
    let domain = try existingDomain(id)
    let index = try checkedVCPU(vcpu, of: domain)
    let width = domain.contextWidth
    let incoming = SimulatedVCPU.reinterpret(context, as: width)
    let current = domain.vcpus[index].contextBytes(width: width)
    let decoded = VCPUContext(width: width, bytes: incoming)!
    var updated = domain.vcpus[index]
    updated.isInitialised = true
    updated.returnRegister = decoded.returnRegister
    updated.startInfoRegister = decoded.startInfoFrame
    let returnRange = GuestLayout.returnRegisterOffset(width)..<(GuestLayout.returnRegisterOffset(width) + width.bytes)
    let changed = SimulatedVCPU.changedRanges(from: current, to: incoming)
    if domain.isRunning {
      domains[id]?.corrupt("vcpu \(vcpu)'s context was replaced while the guest was running")
    } else if let changed {
      let onlyReturnRegister = index == 0 && returnRange.contains(changed.first) && returnRange.contains(changed.last)
      if domain.observations.phase == .suspended, domain.vcpus[index].isInitialised, onlyReturnRegister {
        domains[id]?.vcpus[index] = updated
        return
      }
      if !domain.vcpus[index].isInitialised {
        domains[id]?.corrupt("vcpu \(vcpu) was given a context after it was reset; the guest did not bring it up")
      } else if domain.observations.phase == .suspended {
        domains[id]?.corrupt(
          "vcpu \(vcpu) registers other than the suspend hypercall's return value were changed (context bytes "
            + "\(changed.first)–\(changed.last))")
      } else if domain.guest != nil {
        domains[id]?.corrupt(
          "vcpu \(vcpu) registers were changed while the guest was stopped outside its suspend hypercall")
      }
    } else {
      return
    }
    updated.registerSeed = SimulatedVCPU.scramble(updated.registerSeed ^ 0xC0_22FF)
    domains[id]?.vcpus[index] = updated
  }

  /// `xc_vcpu_setcontext(…, NULL)`: the vcpu goes down, uninitialised. Only a secondary vcpu of a guest stopped in
  /// its suspend hypercall may be reset without harm (the guest brings it up again after a resume as a new domain).
  mutating func resetVCPU(of id: DomainID, vcpu: UInt32) throws {
    let domain = try existingDomain(id)
    let index = try checkedVCPU(vcpu, of: domain)
    if domain.guest != nil {
      if !domain.isShutDown {
        domains[id]?.corrupt("vcpu \(vcpu) was reset while the guest was running")
      } else if index == 0 {
        domains[id]?.corrupt("vcpu 0 was reset while the guest was shut down: it can never return to its code")
      } else if domain.observations.phase != .suspended {
        domains[id]?.corrupt("vcpu \(vcpu) was reset while the guest was stopped outside its suspend hypercall")
      }
    }
    domains[id]?.vcpus[index].isInitialised = false
  }

  /// `VCPUOP_register_vcpu_info`, made by the guest for one of its vcpus: Xen maps a vcpu's vcpu_info once per
  /// domain and refuses every later registration with the release's errno (EINVAL on 4.17, EBUSY on 4.20; see
  /// `SimulatedXenRelease`). Returns `nil` when Xen accepted it.
  mutating func registerVCPUInfo(of id: DomainID, vcpu: Int) -> Errno? {
    guard let domain = domains[id], domain.vcpus.indices.contains(vcpu) else { return .invalidArgument }
    if domain.vcpus[vcpu].hasRegisteredVCPUInfo { return release.vcpuInfoReregistrationErrno }
    domains[id]?.vcpus[vcpu].hasRegisteredVCPUInfo = true
    return nil
  }

  // MARK: Foreign memory

  /// The machine frame a foreign mapping of `frame` reaches (`GuestMemory.mappedFrame`): for a PV domain a frame
  /// it owns, EPERM otherwise ("Couldn't map"); for an HVM container a gfn of its physical map, EINVAL for a hole.
  /// Domain 0, whose memory the simulator does not model, has nothing to map (EPERM).
  func mappedFrame(of id: DomainID, frame: UInt64) throws -> UInt64 {
    guard let memory = try existingDomain(id).memory else { throw Errno.notPermitted }
    return try memory.mappedFrame(frame).get()
  }

  /// Checks a foreign mapping (`mappedFrame(of:frame:)`), then EINVAL for a range outside the page; returns the
  /// machine frame it reaches.
  func checkedMemory(of id: DomainID, frame: UInt64, offset: Int, count: Int) throws -> UInt64 {
    let mapped = try mappedFrame(of: id, frame: frame)
    guard offset >= 0, count >= 0, offset <= GuestLayout.pageSize - count else { throw Errno.invalidArgument }
    return mapped
  }

  func readGuestMemory(of id: DomainID, frame: UInt64, offset: Int, count: Int) throws -> [UInt8] {
    let mapped = try checkedMemory(of: id, frame: frame, offset: offset, count: count)
    return Array(domains[id]?.memory?.page(mapped)[offset..<(offset + count)] ?? [])
  }

  mutating func writeGuestMemory(of id: DomainID, frame: UInt64, offset: Int, bytes: [UInt8]) throws {
    let mapped = try checkedMemory(of: id, frame: frame, offset: offset, count: bytes.count)
    writeMapped(bytes, of: id, toFrame: mapped, offset: offset)
  }

  /// Stores bytes through a mapping already checked, and corrupts the guest when they changed what it depends on.
  mutating func writeMapped(_ bytes: [UInt8], of id: DomainID, toFrame mapped: UInt64, offset: Int) {
    guard let effect = domains[id]?.memory?.write(bytes, toFrame: mapped, offset: offset) else { return }
    if case .corrupted(let reason) = effect { domains[id]?.corrupt(reason) }
  }

  // MARK: Parameters and widths

  /// `xc_hvm_param_get`: EINVAL for PV domains and unknown parameters.
  func hvmParameter(_ parameter: HVMParameter, of id: DomainID) throws -> UInt64 {
    let domain = try existingDomain(id)
    guard domain.type.isHVMContainer, parameter.rawValue < Self.hvmParameterCount else {
      throw Errno.invalidArgument
    }
    return domain.hvmParameters[parameter.rawValue] ?? 0
  }

  /// `xc_hvm_param_set`: ESRCH for a missing domain, EINVAL for PV domains (domain 0 included) and unknown
  /// parameters. The guest reads the value when it next looks (the store and console ports when it wakes as a new
  /// domain).
  mutating func setHVMParameter(_ parameter: HVMParameter, of id: DomainID, to value: UInt64) throws {
    let domain = try existingDomain(id)
    guard domain.type.isHVMContainer, parameter.rawValue < Self.hvmParameterCount else {
      throw Errno.invalidArgument
    }
    domains[id]?.hvmParameters[parameter.rawValue] = value
  }

  /// `xc_domain_get_guest_width`: a PV guest's own width; HVM containers report the host's.
  func guestWidth(of id: DomainID) throws -> GuestWidth {
    try existingDomain(id).contextWidth
  }
}
