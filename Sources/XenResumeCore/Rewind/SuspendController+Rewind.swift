extension SuspendController {
  /// Puts a suspended PVH guest back to a capture of itself and resumes it from there, as a new domain.
  ///
  /// Everything is checked before the guest is touched: the domain must be the one captured (same handle), of the
  /// same type, page count and vcpu count, suspended, and every captured frame must still be RAM. Then, under the
  /// cross-process suspend lock, the domain is paused once more, the captured pages are written back in batches,
  /// the HVM context is loaded with vcpu 0's return register 0, and the slow resume's soft reset and channel
  /// rebuild bring the guest up: it returns from the suspend hypercall it made at capture time, sees a new domain,
  /// and reconnects to xenstore and its console over the rebuilt channels.
  ///
  /// Pages Xen owns in the guest's map (shared_info, grant frames) and the special pages (`HVMParameter`'s
  /// `specialPages`: the xenstore and console rings among them) are not written: the soft reset and the rebuild
  /// give the guest fresh ones, as a new domain gets.
  ///
  /// A suspended domain found paused by a toolstack (as a rewind that failed part-way leaves it, whichever controller
  /// ran it) is rewound under that pause, which the rewind's end takes back.
  ///
  /// The copy runs on the calling thread (a 128 MiB guest is 32768 pages) and is not interrupted by cancellation
  /// once it has begun writing: a guest with part of its memory rewound must not be let run.
  /// - Parameters:
  ///   - domain: the suspended guest; dom0 and the toolstack's own domain are refused.
  ///   - capture: a capture of this same domain (`capture(_:progress:)`, or `GuestCaptureFile.read(from:)`).
  ///   - progress: called after each batch of captured frames written.
  /// - Returns: the resume, with the stage `stateReplaced` before `softReset`.
  /// - Throws: `SuspendResumeError`: `.refused` for another domain, size or layout, `.unsupported` for a PV, PVHVM
  ///   or HVM guest, `.notSuspended`, `.alreadyInProgress` — with nothing changed; `.hostCall` when a call failed
  ///   before the first page was written (the extra pause taken back, the guest suspended as it was);
  ///   `.rewindIncomplete` when one failed while writing (the domain held paused); `.rebuildIncomplete` when the
  ///   channel rebuild after the soft reset failed (a slow resume through this controller finishes it).
  @discardableResult
  public func rewind(
    _ domain: DomainID, to capture: GuestCapture, progress: (@Sendable (GuestCopyProgress) -> Void)? = nil
  ) async throws -> ResumedDomain {
    try refuseSpecialDomain(domain)
    try beginOperation(on: domain)
    defer { endOperation(on: domain) }
    var marks = StageMarks(start: clock.elapsed())
    do {
      let info = try host.domainInfo(domain)
      let guestType = try classify(info)
      try refuseRewindOf(guestType, domain: domain, operation: "rewind")
      try checkIdentity(of: info, guestType: guestType, against: capture)
      guard info.isSuspended else { throw SuspendResumeError.notSuspended(domain, state: DomainState(info)) }
      try Task.checkCancellation()
      let replacement = GuestStateReplacement(capture: capture, progress: progress, pauseHeld: info.isPaused)
      let (resumedType, _) = try resumeSuspended(
        domain, mode: .slow, options: [], marks: &marks, rewindingTo: replacement)
      marks.mark(.xenstoreResumed, at: clock.elapsed())
      noLongerSuspended(domain)
      logger.notice("rewound", metadata: ["domain": "\(domain)", "frames": "\(capture.frames.count)"])
      return ResumedDomain(
        domain: domain, guestType: resumedType, mode: .slow, duration: marks.total, stageDurations: marks.durations)
    } catch {
      throw translate(error, domain: domain)
    }
  }

  /// Checks, without touching the domain, everything `rewind(_:to:progress:)` checks before it starts but the
  /// domain's being suspended: so a tool can refuse a wrong capture before it suspends the guest.
  /// - Throws: `SuspendResumeError`: `.refused` for another domain, size or layout; `.unsupported` for a PV, PVHVM
  ///   or HVM guest; `.domainNotFound`.
  public func checkRewind(of domain: DomainID, to capture: GuestCapture) async throws {
    try refuseSpecialDomain(domain)
    do {
      let info = try host.domainInfo(domain)
      let guestType = try classify(info)
      try refuseRewindOf(guestType, domain: domain, operation: "rewind")
      try checkIdentity(of: info, guestType: guestType, against: capture)
    } catch {
      throw translate(error, domain: domain)
    }
  }

  /// Refuses a capture of another domain or of another shape, before anything is touched.
  private func checkIdentity(of info: DomainInfo, guestType: GuestType, against capture: GuestCapture) throws {
    let domain = info.domain
    func refuse(_ reason: String) -> SuspendResumeError { .refused(domain, reason: "the capture is \(reason)") }
    guard capture.handle == info.handle else {
      throw refuse(
        "of another domain: its handle \(capture.handle) (captured from domain \(capture.domain)) is not this "
          + "domain's \(info.handle)")
    }
    guard capture.guestType == guestType else { throw refuse("of a \(capture.guestType) guest, this is \(guestType)") }
    guard capture.totalPages == info.totalPages else {
      throw refuse("of a domain of \(capture.totalPages) pages; this one has \(info.totalPages)")
    }
    guard capture.vcpuCount == info.vcpuCount else {
      throw refuse("of a domain with \(capture.vcpuCount) vcpus; this one has \(info.vcpuCount)")
    }
    let records: HVMContextRecords
    do {
      records = try HVMContextRecords(capture.hvmContext)
    } catch {
      throw refuse("damaged: \(error)")
    }
    guard records.vcpus.count == capture.vcpuCount else {
      throw refuse("damaged: its HVM context has \(records.vcpus.count) CPU records for \(capture.vcpuCount) vcpus")
    }
  }
}
