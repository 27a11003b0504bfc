import SystemPackage
@_spi(XenHostBackends) import XenResumeCore

/// The guest models: what a guest does when asked to suspend, when it suspends, and when it runs again.
extension SimulatorState {
  /// Queues a reaction: now, or after a delay on the clock.
  mutating func trigger(_ kind: GuestWorkKind, for id: DomainID, after delay: Duration) {
    guard let domain = domains[id] else { return }
    let work = GuestWork(domain: id, incarnation: domain.incarnation, kind: kind)
    if delay == .zero {
      guestWork.append(work)
    } else {
      effects.scheduledWork.append((delay, work))
    }
  }

  /// Runs queued reactions until none is left (a reaction may queue another).
  mutating func runGuestWork() {
    while let work = guestWork.popFirst() { perform(work) }
  }

  /// Carries out one reaction, or keeps it for later when the guest cannot run now.
  mutating func perform(_ work: GuestWork) {
    guard let domain = domains[work.domain], domain.incarnation == work.incarnation, !domain.isDying,
      domain.observations.phase != .dead
    else { return }
    guard domain.isRunning else {
      // Like a pending event channel bit, one deferred reaction of each kind is enough: the guest re-reads the
      // current state when it runs.
      if !domain.deferredWork.contains(work.kind) { domains[work.domain]?.deferredWork.append(work.kind) }
      return
    }
    switch work.kind {
    case .readControlNode:
      // A guest whose xenbus cannot reach xenstored never hears of its watch firing.
      guard guestXenStoreIsConnected(domain) else { return }
      guestReadsControlNode(work.domain)
    case .suspendChannelFired: guestHandlesSuspendChannel(work.domain)
    case .enterSuspend: guestEntersSuspend(work.domain)
    case .hostileTick: guestStormsControlNode(work.domain)
    }
  }

  // MARK: Booting

  /// What a PV-aware guest does once its xenbus connects: announce it can suspend, connect its drivers, and, if its
  /// kernel does, allocate a suspend port and advertise it.
  mutating func guestBoots(_ id: DomainID) {
    guard let guest = domains[id]?.guest else { return }
    // Linux's xen_vcpu_setup for every possible cpu: the first registration of each vcpu, which Xen accepts.
    if guest.kernel.registersVCPUInfo(as: guest.type) { _ = guestRegistersVCPUInfo(id) }
    // xen_hvm_init_shared_info: a PV-aware kernel in an HVM container maps its shared_info into its physical map.
    if guest.type.isHVMContainer { domains[id]?.memory?.mapSharedInfo() }
    try? guestWrite(XenStorePath.featureSuspend(of: id), value: "1", as: id)
    try? guestWrite(XenStorePath.home(of: id) + "/device/vif/0/state", value: "4", as: id)
    if guest.advertisesSuspendEventChannel { advertiseSuspendPort(id) }
  }

  /// Allocates the guest's suspend port for domain 0 (the lowest free port of its table: 3 at boot, after its
  /// xenstore and console ports) and writes its number to `device/suspend/event-channel`.
  private mutating func advertiseSuspendPort(_ id: DomainID) {
    guard let number = domains[id]?.ports.allocate(unboundFor: .dom0) else { return }
    domains[id]?.suspendPort = GuestSuspendPort(number: number)
    domains[id]?.observations.advertisedSuspendPort = EventChannelPort(number)
    try? guestWrite(XenStorePath.suspendEventChannel(of: id), value: String(number), as: id)
  }

  /// `VCPUOP_register_vcpu_info` for every vcpu in order, as Linux's `xen_vcpu_setup` for each possible cpu, up to
  /// the first refusal: returns the refused vcpu and Xen's errno, `nil` when Xen accepted them all.
  private mutating func guestRegistersVCPUInfo(_ id: DomainID) -> (vcpu: Int, errno: Errno)? {
    guard let vcpus = domains[id]?.vcpus.indices else { return nil }
    for vcpu in vcpus {
      if let refusal = registerVCPUInfo(of: id, vcpu: vcpu) { return (vcpu, refusal) }
      domains[id]?.observations.vcpuInfoRegistrations += 1
    }
    return nil
  }

  // MARK: Requests

  /// The guest's watch on `control/shutdown` fired: like Linux's `shutdown_handler`, read the node and act only on
  /// "suspend"; empty, missing or unknown values are ignored.
  private mutating func guestReadsControlNode(_ id: DomainID) {
    let path = XenStorePath.controlShutdown(of: id)
    guard let domain = domains[id], let guest = domain.guest,
      let request = try? guestRead(path, as: id), request == "suspend"
    else { return }
    if guestAnswersHostilely(id) { return }
    guard !domain.suspendInProgress else {
      domains[id]?.observations.requestsIgnoredWhileBusy += 1
      return
    }
    domains[id]?.observations.suspendRequestsSeen += 1
    guard guest.behaviour.acknowledges else { return }
    do {
      switch guest.behaviour {
      case .acknowledgesByDeletingNode: try guestRemove(path, as: id)
      case .acknowledgesWithGarbage: try guestWrite(path, value: "acknowledged", as: id)
      default: try guestWrite(path, value: "", as: id)
      }
      domains[id]?.observations.acknowledgements += 1
    } catch {
      // Linux ignores a failed acknowledgement and suspends anyway; the toolstack only sees no answer.
      domains[id]?.observations.acknowledgementsRefused += 1
    }
    guestBeginsSuspend(id)
  }

  /// The guest's suspend event channel fired: classic XenLinux suspends, no acknowledgement in xenstore.
  private mutating func guestHandlesSuspendChannel(_ id: DomainID) {
    guard let domain = domains[id], let guest = domain.guest else { return }
    guard !domain.suspendInProgress else {
      domains[id]?.observations.requestsIgnoredWhileBusy += 1
      return
    }
    domains[id]?.observations.suspendRequestsSeen += 1
    if domain.hostility == .readvertisesPortWhenNotified {
      advertiseNewSuspendPort(id)
      return
    }
    guard guest.behaviour.acknowledges else { return }
    guestBeginsSuspend(id)
  }

  /// After acknowledging: freeze and head for the suspend hypercall, unless the guest never gets there.
  private mutating func guestBeginsSuspend(_ id: DomainID) {
    guard let guest = domains[id]?.guest else { return }
    guard guest.behaviour != .acknowledgesButNeverSuspends else {
      // Freezing failed: the guest thaws silently and will accept the next request.
      return
    }
    domains[id]?.suspendInProgress = true
    domains[id]?.observations.phase = .suspending
    trigger(.enterSuspend, for: id, after: reactionDelays(of: id).suspension)
  }

  /// The suspend hypercall: a PV guest canonicalises start_info and passes its frame in `rdx`; vcpu0 will return
  /// from `SCHEDOP_shutdown` with whatever `rax` holds when the domain runs again (0 unless the toolstack changes
  /// it). Every vcpu's registers moved on since the guest last stopped; it counts the suspend in its progress page
  /// and notes there the stamp of the registers it stops with.
  private mutating func guestEntersSuspend(_ id: DomainID) {
    guard var domain = domains[id], let guest = domain.guest, domain.observations.phase == .suspending else { return }
    if guest.behaviour == .crashesOnSuspend {
      domain.corrupt("the guest crashed while suspending")
      domain.observations.phase = .dead
      domain.suspendInProgress = false
      domains[id] = domain
      shutDown(id, reason: .crash, byGuest: true)
      return
    }
    if guest.type == .pv { domain.memory?.canonicaliseStartInfo() }
    if case .corruptsMemoryWhileSuspended(let corruption) = domain.hostility, let memory = domain.memory {
      domain.memory?.apply(memory.damage(for: corruption))
    }
    for index in domain.vcpus.indices where domain.vcpus[index].isInitialised { domain.vcpus[index].runOn() }
    domain.vcpus[0].returnRegister = 0
    domain.vcpus[0].startInfoRegister = guest.type == .pv ? (domain.memory?.startInfoFrame ?? 0) : 0
    domain.memory?.recordSuspend(stamp: SimulatedVCPU.stamp(of: domain.vcpus))
    domain.observations.phase = .suspended
    domain.observations.suspendsCompleted += 1
    domains[id] = domain
    shutDown(id, reason: .suspend, byGuest: true)
  }

  // MARK: Running again

  /// The domain's vcpus run again (resumed, or unpaused): the guest wakes according to where it stopped, then
  /// carries out reactions that arrived meanwhile.
  mutating func guestRunsAgain(_ id: DomainID) {
    guard let domain = domains[id], domain.guest != nil else { return }
    switch domain.observations.phase {
    case .suspended:
      guestReturnsFromSuspend(id)
      if domain.vcpus[0].returnRegister != 0 {
        guestWakesCancelled(id)
      } else {
        guestWakesAsNewDomain(id)
      }
    case .stoppedByForce:
      domains[id]?.observations.resumesUnnoticed += 1
      domains[id]?.observations.phase = domain.phaseBeforeForcedStop
      if domain.channelsResetUnderGuest, domain.guest?.type.isPVAware == true {
        domains[id]?.corrupt(
          "its event channels were closed by XEN_DOMCTL_soft_reset while it was stopped outside its suspend "
            + "hypercall: it runs on with its xenstore, console and other channels dead")
        domains[id]?.xenbusDead = true
      }
    case .running, .suspending, .dead:
      break
    }
    if domain.observations.phase == .suspended, domain.hostility == .crashesWhenResumed {
      guestCrashesOnceResumed(id)
      return
    }
    guard let deferred = domains[id]?.deferredWork, !deferred.isEmpty else { return }
    domains[id]?.deferredWork.removeAll()
    for kind in deferred { trigger(kind, for: id, after: .zero) }
  }

  /// Woken with a non-zero return: the suspend was cancelled, the guest carries on with its old state (a PV guest
  /// translates start_info back itself; its other vcpus are still where they were; its drivers stay connected).
  private mutating func guestWakesCancelled(_ id: DomainID) {
    guard var domain = domains[id] else { return }
    domain.observations.resumesCancelled += 1
    domain.observations.phase = .running
    domain.suspendInProgress = false
    if domain.channelsResetUnderGuest, domain.guest?.type.isPVAware == true {
      // It carries on with the ports it had; Xen closed them all (and reset its event channel ABI) under it.
      domain.corrupt(
        "it was woken with its suspend cancelled after XEN_DOMCTL_soft_reset closed its event channels: it goes on "
          + "using ports Xen closed, so its xenstore, console and other channels are dead")
      domain.xenbusDead = true
    }
    if domain.type == .pv, let problem = domain.memory?.restoreStartInfoAfterCancelledSuspend() {
      domain.corrupt(problem)
    }
    if let reset = domain.vcpus.indices.dropFirst().first(where: { !domain.vcpus[$0].isInitialised }) {
      domain.corrupt("vcpu \(reset) was reset before a cancelled resume; the guest expects it to carry on")
    }
    domains[id] = domain
  }

  /// Woken with 0: the guest believes it runs in a new domain. Linux registers every vcpu's vcpu_info again, which
  /// Xen refuses in the same domain (unless a soft reset dropped the registrations): 5.16 and later panic, older
  /// kernels hang (`GuestKernel`'s tables). Surviving kernels re-read start_info (PV), bring their secondary vcpus
  /// up (PV), re-register shared_info and re-read `HVM_PARAM_STORE_EVTCHN` and `HVM_PARAM_CONSOLE_EVTCHN` (HVM
  /// containers: Linux's `xenbus_resume` and `xen_console_resume`), and reconnect every PV driver through xenstore.
  ///
  /// The guest's xenstore works only when the port it now uses is bound by xenstored; if not, its resume blocks on
  /// xenstore requests nobody answers: it never reconnects its drivers nor sees a later request, and is corrupted
  /// with what was missing. The simulator checks at the moment the guest runs, so a toolstack must have rebuilt
  /// the channels before letting it run, as a soft-reset resume does while the domain is paused. A console port
  /// xenconsoled has not bound leaves the guest running with a dead console (`GuestObservations.consoleConnected`).
  private mutating func guestWakesAsNewDomain(_ id: DomainID) {
    guard let guest = domains[id]?.guest else { return }
    // xen_vcpu_restore → xen_vcpu_setup for each cpu: Xen's record of each vcpu's registration decides.
    let refusal = guest.kernel.registersVCPUInfo(as: guest.type) ? guestRegistersVCPUInfo(id) : nil
    guard var domain = domains[id] else { return }
    domain.observations.resumesAsNewDomain += 1
    domain.suspendInProgress = false
    if let refusal, let outcome = guest.kernel.afterRefusedVCPUInfo(of: guest.type) {
      domain.observations.phase = .dead
      switch outcome {
      case .panics(let reason):
        let line = GuestKernel.refusedVCPUInfoMessage(cpu: refusal.vcpu, errno: refusal.errno.rawValue)
        domain.observations.kernelPanic = line
        domain.corrupt(line)
        domains[id] = domain
        shutDown(id, reason: reason, byGuest: true)
      case .hangs:
        // Xen still runs its vcpus; the kernel answers nothing again (no acknowledgement, no driver reconnect).
        domain.observations.isHung = true
        domain.corrupt("the guest hung after a same-domain slow resume")
        domains[id] = domain
      }
      return
    }
    domain.observations.phase = .running
    // It sets its channels up again from what it is given, so a soft reset before is behind it now.
    domain.channelsResetUnderGuest = false
    let storePortSource: String
    if guest.type == .pv {
      if let problem = domain.memory?.newDomainStartInfoProblem() { domain.corrupt(problem) }
      if let stillUp = domain.vcpus.indices.dropFirst().first(where: { domain.vcpus[$0].isInitialised }) {
        domain.corrupt(
          "vcpu \(stillUp) was not reset before a resume as a new domain: bringing it up fails with -EEXIST")
      }
      for index in domain.vcpus.indices.dropFirst() {
        domain.vcpus[index].isInitialised = true
        domain.vcpus[index].runOn()
      }
      storePortSource = "start_info's store_evtchn"
    } else {
      domain.observations.sharedInfoRegistrations += 1
      domain.memory?.mapSharedInfo()
      domain.hvmParameters[HVMParameter.callbackIRQ.rawValue] = guest.kernel.callbackIRQ
      domain.guestStorePort = domain.hvmParameters[HVMParameter.storeEventChannel.rawValue].flatMap(
        UInt32.init(exactly:))
      domain.guestConsolePort = domain.hvmParameters[HVMParameter.consoleEventChannel.rawValue].flatMap(
        UInt32.init(exactly:))
      storePortSource = "HVM_PARAM_STORE_EVTCHN"
    }
    domains[id] = domain
    guard guestXenStoreIsConnected(domain) else {
      let problem =
        "xenstore is dead after the resume as a new domain: \(storePortSource) names port "
        + "\(domain.guestStorePort.map(String.init) ?? "none"), \(storePortProblem(of: domain))"
      domains[id]?.xenbusDead = true
      domains[id]?.corrupt(problem)
      return
    }
    domains[id]?.observations.driverReconnects += 1
    let state = XenStorePath.home(of: id) + "/device/vif/0/state"
    try? guestWrite(state, value: "1", as: id)
    try? guestWrite(state, value: "4", as: id)
    if guest.advertisesSuspendEventChannel {
      closeSuspendPort(of: id)
      advertiseSuspendPort(id)
    }
  }

  /// Why the port a guest uses for xenstore does not reach xenstored, in words.
  private func storePortProblem(of domain: SimulatedDomain) -> String {
    guard let port = domain.guestStorePort, let status = try? domain.ports.status(of: port) else {
      return "which is no port of the guest"
    }
    guard let binding = domain.xenstoredBinding else {
      return "which is \(status), and xenstored holds no port for the domain (no XS_INTRODUCE bound one)"
    }
    if binding.guestPort != port {
      return "which is \(status), while xenstored is bound to port \(binding.guestPort)"
    }
    return "which is \(status), and xenstored's binding to it is gone (no XS_INTRODUCE since its channels closed)"
  }
}
