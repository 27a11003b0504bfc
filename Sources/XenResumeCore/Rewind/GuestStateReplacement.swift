/// What a rewind writes into the paused domain before its soft reset: a capture, and who wants to hear how far
/// the copy got.
struct GuestStateReplacement: Sendable {
  /// The state to write back.
  let capture: GuestCapture
  /// Called after each batch of frames written.
  let progress: (@Sendable (GuestCopyProgress) -> Void)?
  /// Whether the suspended domain was found paused by a toolstack: the pause a rewind that failed part-way holds
  /// (by any controller). The rewind then goes on under that pause instead of taking one more, so that its end lets
  /// the guest run; and a refusal leaves that pause in place.
  let pauseHeld: Bool
}

extension SuspendController {
  /// Writes a capture's memory and HVM context into a domain this controller has just paused once more (the soft
  /// reset comes next).
  ///
  /// Every captured frame is first checked to be RAM still, and none of them a special page now, so that a failure
  /// becomes likely only once the guest would be gone anyway; a failure before the first page is written takes the
  /// extra pause back and leaves the guest suspended as it was. Once writing has begun, the guest is held paused
  /// whatever happens (`SuspendResumeError.rewindIncomplete`).
  func replaceState(of domain: DomainID, with replacement: GuestStateReplacement) throws {
    let capture = replacement.capture
    do {
      try checkFramesStillRAM(of: domain, capture: capture)
    } catch {
      throw undoPause(of: domain, after: error, held: replacement.pauseHeld)
    }
    var written = 0
    do {
      var start = 0
      while start < capture.frames.count {
        let end = min(capture.frames.count, start + GuestFrameKind.batchLimit)
        try host.writeGuestFrames(
          of: domain, frames: Array(capture.frames[start..<end]), pages: capture.pages(of: start..<end))
        written = end
        replacement.progress?(
          GuestCopyProgress(
            framesDone: UInt64(end), frameCount: UInt64(capture.frames.count), framesCopied: UInt64(end)))
        start = end
      }
      let records = try HVMContextRecords(capture.hvmContext)
      // 0: "resumed in a new domain", which is what the soft reset makes of it (a capture holds 0 already; a fast
      // resume between capture and rewind only changed the live context).
      try host.setHVMContext(
        records.settingReturnRegister(ofVCPU: 0, to: 0, in: capture.hvmContext), of: domain)
    } catch let error as XenCallError where written == 0 && error.call == XenHostOperation.writeGuestFrames.rawValue {
      // A batch is written only once all of it has mapped, so a failed first batch wrote nothing.
      throw undoPause(of: domain, after: error, held: replacement.pauseHeld)
    } catch let error as XenCallError where error.errno != .noSuchProcess {
      logger.error(
        "a rewind failed while writing the guest's state; it is held paused",
        metadata: ["domain": "\(domain)", "written": "\(written)", "error": "\(error)"])
      throw SuspendResumeError.rewindIncomplete(
        domain, failure: error, framesWritten: written, frameCount: capture.frames.count)
    }
  }

  /// Takes back the extra pause after a failure that wrote nothing, and says so in the error; a pause that was
  /// held before the rewind began stays.
  private func undoPause(of domain: DomainID, after error: any Error, held: Bool) -> any Error {
    if held { return translate(error, domain: domain, undone: "nothing written; the domain stays paused as it was") }
    let undone: String?
    do {
      try host.unpauseDomain(domain)
      undone = "the extra pause taken back; nothing written"
    } catch {
      logger.error("could not take back the extra pause", metadata: ["domain": "\(domain)", "error": "\(error)"])
      undone = nil
    }
    return translate(error, domain: domain, undone: undone)
  }

  /// Refuses a capture whose frames are not all RAM of the domain now, or one that would overwrite a page the
  /// domain's special-page parameters name now.
  private func checkFramesStillRAM(of domain: DomainID, capture: GuestCapture) throws {
    let special = try specialFrames(of: domain)
    if let clash = capture.frames.first(where: special.contains) {
      throw SuspendResumeError.refused(
        domain, reason: "the capture holds frame \(clash), which is one of the domain's special pages now")
    }
    var start = 0
    while start < capture.frames.count {
      let end = min(capture.frames.count, start + GuestFrameKind.batchLimit)
      let batch = Array(capture.frames[start..<end])
      let kinds = try host.guestFrameKinds(of: domain, frames: batch)
      if let index = kinds.firstIndex(where: { $0 != .ram }) {
        throw SuspendResumeError.refused(
          domain,
          reason: "captured frame \(batch[index]) is \(kinds[index]) in the domain now (its memory map changed "
            + "since the capture, e.g. by ballooning)")
      }
      start = end
    }
  }
}
