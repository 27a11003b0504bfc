import XenResumeCore
import XenSimulator

/// What the soak knows about one slot's domain beyond what Xen reports: who may be blamed for what happens to it.
struct SoakSlot {
  /// The domain's id (it stays when the domain is destroyed, so later steps act on a gone id).
  var domain: DomainID
  /// The guest it was created as.
  var guest: SimulatedGuest
  /// Why the guest's health is not the controllers' business any more, once something else could break it: a guest
  /// that crashes by itself, the slow resume a caller confirmed against the survival matrix, another toolstack's
  /// bare resumedomain of a guest inside its suspend hypercall.
  var healthExcuse: String?
  /// Another actor stopped it with `xc_domain_shutdown(suspend)` while it ran: not a suspend the guest made, so no
  /// controller that knows the domain may resume it.
  var suspendedByAnotherActor = false
  /// A suspend of it failed and left it running (the step's index): if it suspends before anyone asks it again,
  /// the failed suspend left it on its way, with nobody to resume it.
  var failedSuspendLeftRunning: Int?
  /// The controllers that suspended or resumed it since they last forgot it: they hold a session for it.
  var knownBy: Set<Int> = []
  /// Why `control/shutdown` may still say "suspend": the last operation on it said it could not withdraw its
  /// request (its error's `undone` says so). Cleared by the next operation on it.
  var requestExcuse: String?
  /// The controllers that made any call about it: the ones that may hold something for it.
  var touchedBy: Set<Int> = []

  init(domain: DomainID, guest: SimulatedGuest) {
    self.domain = domain
    self.guest = guest
    if guest.behaviour == .crashesOnSuspend && guest.type.isPVAware {
      healthExcuse = "the guest crashes by itself when asked to suspend"
    }
  }

  /// Whether a confirmed slow resume is known to break this guest (the survival matrix): a Linux PV guest's, which
  /// has no soft reset (PVH and PVHVM guests are resumed by soft reset, which they survive).
  var diesOfSlowResume: Bool {
    guest.type == .pv && (guest.kernel == .linux || guest.kernel == .linuxBefore5_16)
  }
}
