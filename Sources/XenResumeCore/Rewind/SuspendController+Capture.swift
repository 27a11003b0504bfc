extension SuspendController {
  /// Copies a suspended PVH guest's whole state: every page of its RAM and its HVM context, with what identifies
  /// the domain, so that `rewind(_:to:progress:)` can later put the same domain back to this point.
  ///
  /// The domain must be suspended (by this controller or any other toolstack) and stays suspended: the caller
  /// resumes it. It is paused once more while its memory is read, so that a resume by someone else cannot let the
  /// guest change its memory half-way through, and the pause is taken back before this returns or throws.
  ///
  /// The memory is found as libxenguest's save finds it: the guest physical map `0...xc_domain_maximum_gpfn` is
  /// classified 1024 frames per `XEN_DOMCTL_getpageframeinfo3`, and only the RAM frames are mapped and copied, in
  /// batches, leaving out the pages `HVMParameter.specialPages` name (rings and tables dom0 or Xen own). Xen's own
  /// pages in the guest's map, its shared_info and grant frames, are not RAM to Xen and are left out too: the
  /// soft reset of a rewind gives the guest them afresh.
  ///
  /// Only PVH guests can be captured: a PV guest could never be rewound (Xen has no soft reset for PV), and an HVM
  /// or PVHVM guest's device model (QEMU) holds device state this capture does not take (see <doc:RewindingAGuest>).
  /// - Parameters:
  ///   - domain: the suspended guest; dom0 and the toolstack's own domain are refused.
  ///   - progress: called after each batch of 1024 frames of the physical map.
  /// - Throws: `SuspendResumeError`: `.unsupported` for another guest type, `.notSuspended`, `.refused` for a guest
  ///   whose vcpu 0 is not inside its suspend hypercall or that has a broken page, `.hostCall` naming the failing
  ///   call; `CancellationError` between batches. Nothing of the guest is changed in any case.
  public func capture(
    _ domain: DomainID, progress: (@Sendable (GuestCopyProgress) -> Void)? = nil
  ) async throws -> GuestCapture {
    try refuseSpecialDomain(domain)
    try beginOperation(on: domain)
    defer { endOperation(on: domain) }
    do {
      let info = try host.domainInfo(domain)
      let guestType = try classify(info)
      try refuseRewindOf(guestType, domain: domain, operation: "capture")
      guard info.isSuspended else { throw SuspendResumeError.notSuspended(domain, state: DomainState(info)) }
      try host.pauseDomain(domain)
      let copied: (context: [UInt8], maximumFrame: UInt64, frames: [UInt64], memory: [UInt8])
      do {
        copied = try await copyState(of: domain, pages: info.totalPages, progress: progress)
      } catch {
        do {
          try host.unpauseDomain(domain)
        } catch let unpauseError {
          logger.error(
            "could not take back the capture's pause", metadata: ["domain": "\(domain)", "error": "\(unpauseError)"])
          throw translate(error, domain: domain, undone: "the capture's extra pause could NOT be taken back")
        }
        throw translate(error, domain: domain, undone: "the capture's extra pause taken back")
      }
      try host.unpauseDomain(domain)
      logger.debug(
        "captured",
        metadata: ["domain": "\(domain)", "frames": "\(copied.frames.count)", "context": "\(copied.context.count)"])
      return GuestCapture(
        domain: domain, handle: info.handle, guestType: guestType, totalPages: info.totalPages,
        vcpuCount: info.vcpuCount, maximumFrame: copied.maximumFrame, hvmContext: copied.context,
        frames: copied.frames, memory: copied.memory)
    } catch {
      throw translate(error, domain: domain)
    }
  }

  /// Checks, without touching the domain, that `capture(_:progress:)` would not refuse it for what it is: so a tool
  /// can refuse a PV, PVHVM or HVM guest before it suspends it.
  /// - Throws: `SuspendResumeError`: `.unsupported` for another guest type than PVH, `.refused` for dom0 and the
  ///   toolstack's domain, `.domainNotFound`.
  public func checkCapture(of domain: DomainID) async throws {
    try refuseSpecialDomain(domain)
    do {
      try refuseRewindOf(try classify(try host.domainInfo(domain)), domain: domain, operation: "capture")
    } catch {
      throw translate(error, domain: domain)
    }
  }

  /// Refuses guest types a rewind cannot bring back, before anything is touched.
  func refuseRewindOf(_ guestType: GuestType, domain: DomainID, operation: String) throws {
    switch guestType {
    case .pvh:
      return
    case .pv:
      throw SuspendResumeError.unsupported(
        domain, guestType: guestType,
        operation: "\(operation) (a rewind resumes the guest through XEN_DOMCTL_soft_reset, which Xen has only for "
          + "HVM containers: on a PV domain it fails and crashes the domain)")
    case .pvhvm, .hvm:
      throw SuspendResumeError.unsupported(
        domain, guestType: guestType,
        operation: "\(operation) (the guest has a device model, QEMU, whose device state a rewind would have to "
          + "capture and restore with the memory; only PVH guests, which have none, can be rewound)")
    }
  }

  /// The HVM context, checked, and every RAM page but the special ones. The domain is paused by the caller.
  private func copyState(
    of domain: DomainID, pages: UInt64, progress: (@Sendable (GuestCopyProgress) -> Void)?
  ) async throws -> (context: [UInt8], maximumFrame: UInt64, frames: [UInt64], memory: [UInt8]) {
    let context = try host.hvmContext(of: domain)
    let records: HVMContextRecords
    do {
      records = try HVMContextRecords(context)
    } catch {
      throw SuspendResumeError.refused(domain, reason: "xc_domain_hvm_getcontext returned \(error)")
    }
    // The guest suspended through its hypercall has 0 there (Xen's "resumed in a new domain", what a soft-reset
    // resume gives it); anything else means it was stopped elsewhere, and rewound to this point it would run on from
    // an instruction that expects another result.
    guard let returnRegister = records.returnRegister(ofVCPU: 0, in: context), returnRegister == 0 else {
      throw SuspendResumeError.refused(
        domain,
        reason: "vcpu 0 is not inside its suspend hypercall (its return register is not 0): only a guest that "
          + "suspended itself can be captured")
    }
    let special = try specialFrames(of: domain)
    let maximumFrame = try host.maximumGuestFrame(of: domain)
    var frames: [UInt64] = []
    // Room for every page the domain owns, reserved once: grown by doubling, the array was copied and touched again
    // at each step, and under a PV dom0 every first touch of a page is a fault paid in hypercalls (measured: the
    // capture's RAM batches took ten times the rewind's writes of the same pages).
    var memory: [UInt8] = []
    memory.reserveCapacity(Int(clamping: pages) * GuestLayout.pageSize)
    var base: UInt64 = 0
    while base <= maximumFrame {
      try Task.checkCancellation()
      let end = min(maximumFrame, base + UInt64(GuestFrameKind.batchLimit - 1))
      let batch = Array(base...end)
      let kinds = try host.guestFrameKinds(of: domain, frames: batch)
      var ram: [UInt64] = []
      for (frame, kind) in zip(batch, kinds) {
        switch kind {
        case .ram where !special.contains(frame): ram.append(frame)
        case .ram, .absent: continue
        case .broken:
          throw SuspendResumeError.refused(
            domain, reason: "guest frame \(frame) is marked broken by Xen (a memory error): it cannot be captured")
        }
      }
      if !ram.isEmpty {
        try host.readGuestFrames(of: domain, frames: ram, appendingTo: &memory)
        frames += ram
      }
      progress?(
        GuestCopyProgress(framesDone: end + 1, frameCount: maximumFrame + 1, framesCopied: UInt64(frames.count)))
      base = end + 1
      // A long copy gives other tasks of the cooperative pool their turn between batches.
      await Task.yield()
    }
    return (context, maximumFrame, frames, memory)
  }

  /// The frames `HVMParameter.specialPages` name (0 means none).
  func specialFrames(of domain: DomainID) throws -> Set<UInt64> {
    var frames: Set<UInt64> = []
    for parameter in HVMParameter.specialPages {
      let frame = try host.hvmParameter(parameter, of: domain)
      if frame != 0 { frames.insert(frame) }
    }
    return frames
  }
}
