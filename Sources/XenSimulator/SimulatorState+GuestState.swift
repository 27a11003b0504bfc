import SystemPackage
@_spi(XenHostBackends) import XenResumeCore

/// The hypervisor's rules for a guest's whole state: its physical map (`xc_domain_maximum_gpfn`,
/// `XEN_DOMCTL_getpageframeinfo3`), batched foreign mappings, and its HVM context (`XEN_DOMCTL_gethvmcontext`,
/// `XEN_DOMCTL_sethvmcontext`), with what each does to the guest.
extension SimulatorState {
  // MARK: The physical map

  /// `XENMEM_maximum_gpfn` (`domain_get_maximum_gpfn`, `GuestMemory.maximumFrame`). ESRCH for a missing domain.
  /// Domain 0, whose memory the simulator does not model, is a PV domain announcing no pages: 0.
  func maximumGuestFrame(of id: DomainID) throws -> UInt64 {
    try existingDomain(id).memory?.maximumFrame ?? 0
  }

  /// `XEN_DOMCTL_getpageframeinfo3`: ESRCH for a missing domain, then E2BIG for more than
  /// `GuestFrameKind.batchLimit` frames; each frame's kind (`GuestMemory.kind(ofFrame:)`), absent throughout for
  /// domain 0. Maps nothing.
  func guestFrameKinds(of id: DomainID, frames: [UInt64]) throws -> [GuestFrameKind] {
    let domain = try existingDomain(id)
    guard frames.count <= GuestFrameKind.batchLimit else { throw Errno.argListTooLong }
    guard let memory = domain.memory else { return frames.map { _ in .absent } }
    return frames.map(memory.kind(ofFrame:))
  }

  // MARK: Batched foreign mappings

  /// Copies the pages of a batch, once every frame has mapped (`mappedBatch`).
  func readGuestFrames(of id: DomainID, frames: [UInt64], appendingTo pages: inout [UInt8]) throws {
    let mapped = try mappedBatch(of: id, frames: frames, failing: "nothing was read")
    guard let memory = domains[id]?.memory else { return }
    pages.reserveCapacity(pages.count + mapped.count * GuestLayout.pageSize)
    for frame in mapped { pages += memory.page(frame) }
  }

  /// Writes one page into each frame of a batch, once every frame has mapped (`mappedBatch`): each page judged as
  /// `writeGuestMemory` judges it, so changing the guest's own structures corrupts it and writing back its own
  /// bytes does not. EINVAL, before anything is mapped, unless `pages` holds exactly one page per frame.
  mutating func writeGuestFrames(of id: DomainID, frames: [UInt64], pages: ArraySlice<UInt8>) throws {
    _ = try existingDomain(id)
    guard pages.count == frames.count * GuestLayout.pageSize else { throw Errno.invalidArgument }
    let mapped = try mappedBatch(of: id, frames: frames, failing: "nothing was written")
    for (index, frame) in mapped.enumerated() {
      let start = pages.startIndex + index * GuestLayout.pageSize
      writeMapped(Array(pages[start..<(start + GuestLayout.pageSize)]), of: id, toFrame: frame, offset: 0)
    }
  }

  /// Maps a batch as `xenforeignmemory_map` does, frame by frame by the one rule of `mappedFrame(of:frame:)`, and
  /// fails whole: ESRCH for a missing domain, EINVAL for an empty batch (privcmd refuses one), E2BIG past
  /// `GuestFrameKind.batchLimit` (the protocol's limit), and the errno of the first frame that does not map, naming
  /// it. Returns the machine frames the batch reaches.
  private func mappedBatch(of id: DomainID, frames: [UInt64], failing outcome: String) throws -> [UInt64] {
    _ = try existingDomain(id)
    guard !frames.isEmpty else { throw Errno.invalidArgument }
    guard frames.count <= GuestFrameKind.batchLimit else { throw Errno.argListTooLong }
    return try frames.enumerated().map { index, frame in
      do {
        return try mappedFrame(of: id, frame: frame)
      } catch let errno as Errno {
        throw SimulatedXenHost.ExplainedErrno(
          errno: errno,
          hint: "frame 0x\(String(frame, radix: 16)) (entry \(index) of \(frames.count)) does not map; \(outcome)")
      }
    }
  }

  // MARK: HVM context

  /// `XEN_DOMCTL_gethvmcontext` (`HVMContextModel`): EINVAL for a PV domain (domain 0 included), ESRCH for a
  /// missing one. Xen pauses the domain for the copy; a running guest runs on after it, so its registers move on.
  mutating func hvmContext(of id: DomainID) throws -> [UInt8] {
    let domain = try existingDomain(id)
    guard domain.type.isHVMContainer, id != .dom0 else { throw Errno.invalidArgument }
    let context = HVMContextModel.context(of: domain.vcpus)
    if domain.isRunning {
      for index in domain.vcpus.indices where domain.vcpus[index].isInitialised { domains[id]?.vcpus[index].runOn() }
    }
    return context
  }

  /// `XEN_DOMCTL_sethvmcontext` (`hvm_load`, as `HVMContextModel.load` reads the context): EINVAL for a PV domain
  /// (domain 0 included) or a dying one, ESRCH for a missing one, and the errno of a context Xen refuses (ENODATA or
  /// EINVAL). What a refused context changes depends on the release (`checksHVMContextBeforeLoading`); a context
  /// Xen loads takes every vcpu down and brings up, with its registers, each vcpu it has a CPU record for.
  ///
  /// Xen pauses the domain for the load, so it is legal at any time; the guest is judged as `setVCPUContext` judges
  /// it (`guestNoticesLoadedRegisters`), except that it survives registers of another stop in its suspend
  /// hypercall: a rewind, which it checks against its memory when it returns from the hypercall.
  mutating func setHVMContext(_ context: [UInt8], of id: DomainID) throws {
    let domain = try existingDomain(id)
    guard domain.type.isHVMContainer, id != .dom0, !domain.isDying else { throw Errno.invalidArgument }
    let load = try HVMContextModel.load(context, vcpuCount: domain.vcpus.count)
    if let failure = load.failure, release.checksHVMContextBeforeLoading { throw failure }
    var loaded = domain.vcpus
    for index in loaded.indices { loaded[index].isInitialised = false }
    var isModelled = Array(repeating: true, count: loaded.count)
    for cpu in load.cpus {
      var state = cpu.state
      state.hasRegisteredVCPUInfo = loaded[cpu.vcpu].hasRegisteredVCPUInfo
      loaded[cpu.vcpu] = state
      isModelled[cpu.vcpu] = cpu.isModelled
    }
    if domain.guest != nil { guestNoticesLoadedRegisters(id, before: domain.vcpus, after: loaded, isModelled) }
    domains[id]?.vcpus = loaded
    if let failure = load.failure { throw failure }
  }

  /// What a guest makes of registers Xen loaded into its vcpus: nothing while it is stopped in its suspend
  /// hypercall and only vcpu 0's return value changed, or a secondary vcpu went down (as `resetVCPU` allows), or
  /// the registers are those of another stop in its suspend hypercall (checked against its memory when it returns,
  /// `guestReturnsFromSuspend`). It is corrupted by any change while it was running, by registers no code of its
  /// holds, by vcpu 0 going down, and by any other change, as `setVCPUContext` corrupts it.
  private mutating func guestNoticesLoadedRegisters(
    _ id: DomainID, before: [SimulatedVCPU], after: [SimulatedVCPU], _ isModelled: [Bool]
  ) {
    guard let domain = domains[id] else { return }
    for index in before.indices where !isModelled[index] || before[index] != after[index] {
      if let problem = loadProblem(of: domain, vcpu: index, before[index], after[index], isModelled[index]) {
        domains[id]?.corrupt(problem)
        return
      }
    }
  }

  private func loadProblem(
    of domain: SimulatedDomain, vcpu index: Int, _ old: SimulatedVCPU, _ new: SimulatedVCPU, _ isModelled: Bool
  ) -> String? {
    let suspended = domain.observations.phase == .suspended
    if domain.isRunning { return "vcpu \(index)'s registers were replaced while the guest was running" }
    if !new.isInitialised {
      if index == 0 {
        return "vcpu 0 is down after an HVM context without a CPU record for it: the guest can never return to its code"
      }
      return suspended ? nil : "vcpu \(index) went down while the guest was stopped outside its suspend hypercall"
    }
    if !isModelled { return "vcpu \(index) was loaded with registers no code of the guest ever held" }
    if !suspended {
      return "vcpu \(index) registers were changed while the guest was stopped outside its suspend hypercall"
    }
    // The same stop: only vcpu 0's return value may change. Another stop's registers wait for the memory check.
    if old.isInitialised, old.registerSeed == new.registerSeed,
      index != 0 || old.startInfoRegister != new.startInfoRegister
    {
      return "vcpu \(index) registers other than the suspend hypercall's return value were changed"
    }
    return nil
  }

  /// What a guest checks when it returns from its suspend hypercall: that its registers are those it noted in its
  /// progress page when it made the hypercall. A rewind that put back its memory but not its vcpus' state, or the
  /// other way round, leaves it running one moment's code on another moment's memory.
  mutating func guestReturnsFromSuspend(_ id: DomainID) {
    guard let domain = domains[id], let memory = domain.memory,
      memory.progressStamp != SimulatedVCPU.stamp(of: domain.vcpus)
    else { return }
    domains[id]?.corrupt(
      "it returned from its suspend hypercall with registers that do not belong with its memory (its progress "
        + "page is that of suspend \(memory.progressCount), its registers another moment's): its memory and its "
        + "vcpus were not put back to the same point")
  }
}
