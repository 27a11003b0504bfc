import SystemPackage

/// Why a suspend, resume or checkpoint failed. Every case names the domain and, where it matters, the state the
/// domain was left in, so an operator knows whether anything needs doing.
public enum SuspendResumeError: Error, Sendable, Hashable {
  /// Xen knows no such domain (ESRCH).
  case domainNotFound(DomainID)
  /// The operation was refused before anything was touched: dom0 or the toolstack's own domain, a suspend path the
  /// guest cannot take, or a slow resume of a PV-aware guest without the explicit opt-in.
  case refused(DomainID, reason: String)
  /// A resume was asked of a domain that is not suspended; nothing was changed.
  case notSuspended(DomainID, state: DomainState)
  /// A wait ran out of time. For the acknowledgement stage the request was withdrawn.
  case timedOut(DomainID, stage: SuspendStage, timeout: Duration, state: DomainState)
  /// The guest shut down for another reason (crash, poweroff, …) instead of suspending.
  case shutDownForOtherReason(DomainID, reason: ShutdownReason?, rawCode: UInt32)
  /// The guest type cannot do what was asked (e.g. a PVH guest without `control/feature-suspend`).
  case unsupported(DomainID, guestType: GuestType, operation: String)
  /// This process is already suspending or resuming the domain, or another process holds its suspend lock.
  case alreadyInProgress(DomainID, byAnotherProcess: Bool)
  /// A slow resume soft reset the domain (`XEN_DOMCTL_soft_reset`: its event channels and vcpu_info registrations
  /// are gone), then a host call rebuilding what the guest needs failed. The domain is held paused, never left
  /// running half rebuilt; `remaining` names the steps not done. A slow resume through the same controller finishes
  /// the rebuild from where it stopped (nothing else is accepted for it); no other controller knows how far it got,
  /// so once this one is gone, destroying the domain is the way out.
  case rebuildIncomplete(DomainID, failure: XenCallError, remaining: [String])
  /// A rewind had begun writing the captured memory back (`framesWritten` of `frameCount` frames) when a host call
  /// failed. The guest's memory is part old, part captured: the domain is held paused (still suspended), never let
  /// run so. A rewind to the same capture, by any controller, writes it all again under that pause and lets the guest
  /// run; otherwise destroy the domain.
  case rewindIncomplete(DomainID, failure: XenCallError, framesWritten: Int, frameCount: Int)
  /// A host call failed; `state` is the domain's state afterwards (`nil` when it could not be read), and
  /// `undone` says what the controller rolled back.
  case hostCall(XenCallError, state: DomainState?, undone: String?)

  /// The domain the error is about.
  public var domain: DomainID {
    switch self {
    case .domainNotFound(let domain), .refused(let domain, _), .notSuspended(let domain, _),
      .timedOut(let domain, _, _, _), .shutDownForOtherReason(let domain, _, _), .unsupported(let domain, _, _),
      .alreadyInProgress(let domain, _), .rebuildIncomplete(let domain, _, _),
      .rewindIncomplete(let domain, _, _, _):
      domain
    case .hostCall(let error, _, _):
      error.domain ?? .dom0
    }
  }
}

extension SuspendResumeError: CustomStringConvertible {
  /// One line a person can act on.
  public var description: String {
    switch self {
    case .domainNotFound(let domain):
      return "domain \(domain) does not exist"
    case .refused(let domain, let reason):
      return "refused for domain \(domain): \(reason); nothing was changed"
    case .notSuspended(let domain, let state):
      return "domain \(domain) is not suspended (it is \(state)); nothing was changed"
    case .timedOut(let domain, .acknowledgement, let timeout, let state):
      return
        "domain \(domain) did not acknowledge the suspend request within \(timeout); the request was withdrawn "
        + "and the domain is \(state)"
    case .timedOut(let domain, .suspension, let timeout, let state):
      return "domain \(domain) did not suspend within \(timeout); the domain is \(state)"
    case .shutDownForOtherReason(let domain, let reason, let rawCode):
      let name = reason.map(String.init(describing:)) ?? "unknown reason code \(rawCode)"
      return "domain \(domain) shut down with reason \(name) instead of suspending"
    case .unsupported(let domain, let guestType, let operation):
      return "domain \(domain) is a \(guestType) guest, which does not support \(operation)"
    case .alreadyInProgress(let domain, let byAnotherProcess):
      return byAnotherProcess
        ? "another process holds the suspend lock of domain \(domain)"
        : "domain \(domain) is already being suspended or resumed by this process"
    case .rebuildIncomplete(let domain, let error, let remaining):
      return
        "domain \(domain) was soft reset for a slow resume, then \(error); it is held paused, "
        + "not running half rebuilt; still to do: \(remaining.joined(separator: ", ")); a slow resume by the same "
        + "controller finishes it (no other controller knows how far the rebuild got)"
    case .rewindIncomplete(let domain, let error, let written, let count):
      return
        "the rewind of domain \(domain) had written \(written) of \(count) captured frames when \(error); its memory "
        + "is part old, part captured, so it is held paused and suspended; rewind it to the same capture again, or "
        + "destroy it"
    case .hostCall(let error, let state, let undone):
      var text = "\(error)"
      if let undone { text += "; undone: \(undone)" }
      if let state { text += "; domain is \(state)" }
      return text
    }
  }
}
