extension SuspendController {
  /// The resume "as a new domain" (`xc_domain_resume(fast=0)`): the guest's suspend hypercall returns 0.
  ///
  /// HVM containers only need `XEN_DOMCTL_resumedomain`. A PV guest first gets back the machine frames of its
  /// xenstore and console rings in start_info (it left guest frame numbers there when it suspended) and its
  /// secondary vcpus reset, because it brings them up again itself. Every change is undone if a later step fails,
  /// so the guest stays suspended exactly as it was; start_info's magic and both p2m entries are checked before
  /// the first write, so a guest whose structures cannot be trusted is refused with nothing changed.
  ///
  /// Marks `startInfoRewritten` and `secondaryVCPUsReset` for a PV guest, then `domainResumed`.
  func resumeSlow(_ domain: DomainID, info: DomainInfo, session: DomainSession, marks: inout StageMarks) throws {
    guard session.guestType == .pv else {
      try finishResume(domain, marks: &marks)
      return
    }
    let width = session.width
    // Everything is read and checked before the first write, so a refusal leaves the guest as it was.
    let targets = try PVRingFrames(
      frames: GuestFrameReader(host: host, domain: domain, width: width), sharedInfoFrame: info.sharedInfoFrame
    ) { try host.vcpuContext(of: domain, vcpu: 0, width: width).startInfoFrame }
    let startInfoFrame = targets.startInfoFrame
    let storeOffset = GuestLayout.startInfoStoreFrameOffset(width)
    let consoleOffset = GuestLayout.startInfoConsoleFrameOffset(width)
    let storePFN = targets.rings.storePFN
    let consolePFN = targets.rings.consolePFN
    let storeMFN = targets.storeMFN
    let consoleMFN = targets.consoleMFN

    var undo: [(String, () throws -> Void)] = []
    func rollBack() -> String? {
      var restored: [String] = []
      for (what, step) in undo.reversed() {
        do {
          try step()
          restored.append(what)
        } catch {
          logger.error("could not roll back", metadata: ["domain": "\(domain)", "step": "\(what)"])
          return nil
        }
      }
      guard !restored.isEmpty else { return nil }
      let vcpus =
        info.maxVCPUID > 0 && existingSession(domain)?.secondaryVCPUsReset == true
        ? "; its secondary vcpus were already reset, so only a slow resume can bring it back" : ""
      return restored.joined(separator: ", ") + " restored; the domain is still suspended" + vcpus
    }
    do {
      try writeWord(storeMFN, of: domain, frame: startInfoFrame, offset: storeOffset, width: width)
      undo.append(
        (
          "start_info store_mfn",
          { try self.writeWord(storePFN, of: domain, frame: startInfoFrame, offset: storeOffset, width: width) }
        ))
      try writeWord(consoleMFN, of: domain, frame: startInfoFrame, offset: consoleOffset, width: width)
      undo.append(
        (
          "start_info console mfn",
          { try self.writeWord(consolePFN, of: domain, frame: startInfoFrame, offset: consoleOffset, width: width) }
        ))
      marks.mark(.startInfoRewritten, at: clock.elapsed())
      // Resetting a vcpu cannot be taken back (Xen drops it to down and uninitialised): once one reset has
      // happened a failure leaves a guest that only a slow resume can bring back, and the session remembers it.
      // A failure of the first reset changed no vcpu, so a fast resume still works after the rollback.
      if info.maxVCPUID > 0 {
        for vcpu in 1...info.maxVCPUID {
          try host.resetVCPU(of: domain, vcpu: vcpu)
          if vcpu == 1 { markSecondaryVCPUsReset(domain) }
        }
        marks.mark(.secondaryVCPUsReset, at: clock.elapsed())
      }
    } catch {
      throw translate(error, domain: domain, undone: rollBack())
    }
    try finishResume(domain, marks: &marks) { rollBack() }
  }

  private func markSecondaryVCPUsReset(_ domain: DomainID) {
    state.withLock { state in
      state.sessions[domain]?.secondaryVCPUsReset = true
    }
  }

  private func writeWord(_ value: UInt64, of domain: DomainID, frame: UInt64, offset: Int, width: GuestWidth) throws {
    try host.writeGuestMemory(
      of: domain, frame: frame, offset: offset, bytes: GuestMemoryWord.bytes(of: value, width: width))
  }
}
