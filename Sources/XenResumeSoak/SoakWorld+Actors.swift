import XenResumeCore
import XenSimulator

extension SoakWorld {
  /// Creates a guest in a new slot.
  func create(_ guest: SimulatedGuest, delays: GuestReactionDelays) {
    let domain = host.createDomain(guest)
    if delays != .immediate { host.setReactionDelays(delays, for: domain) }
    slots.append(SoakSlot(domain: domain, guest: guest))
  }

  /// Does what another actor does; failures (a gone domain, a lock someone holds) are part of the game and ignored.
  func act(_ actor: SoakActor) {
    // Whatever the actor does to a domain, a later suspend of it may be the actor's doing.
    switch actor {
    case .shutDown(let slot, _), .resumeDomain(let slot), .pause(let slot), .unpause(let slot), .destroy(let slot),
      .recreate(let slot, _), .holdSuspendLock(let slot), .releaseSuspendLock(let slot):
      if slots.indices.contains(slot) { slots[slot].failedSuspendLeftRunning = nil }
    case .restartXenStored: break
    }
    switch actor {
    case .shutDown(let slot, let reason):
      let domain = domain(ofSlot: slot)
      let before = state(of: domain)
      guard (try? host.shutdownDomain(domain, reason: reason)) != nil, slots.indices.contains(slot) else { return }
      if reason == .suspend && (before == .running || before == .paused) {
        slots[slot].suspendedByAnotherActor = true
      }
    case .resumeDomain(let slot):
      let domain = domain(ofSlot: slot)
      let before = state(of: domain)
      guard (try? host.resumeDomain(domain)) != nil, slots.indices.contains(slot) else { return }
      // A guest inside its suspend hypercall, resumed without its return register set, wakes as a new domain in
      // the same domain: what that does to it is this actor's doing.
      if before == .shutDown(.suspend) && !slots[slot].suspendedByAnotherActor {
        if slots[slot].guest.type.isPVAware {
          slots[slot].healthExcuse = slots[slot].healthExcuse ?? "another toolstack resumed it with resumedomain alone"
        }
        // The controllers that suspended it hold its suspend lock and take the next suspend Xen reports for theirs:
        // an actor that resumes it behind that lock breaks the protocol every toolstack keeps (libxenguest's lock
        // file), and nothing in Xen's facts lets them tell. They no longer count as knowing what happened to it.
        slots[slot].knownBy = []
      }
      slots[slot].suspendedByAnotherActor = false
    case .pause(let slot):
      try? host.pauseDomain(domain(ofSlot: slot))
    case .unpause(let slot):
      try? host.unpauseDomain(domain(ofSlot: slot))
    case .destroy(let slot):
      try? host.destroyDomain(domain(ofSlot: slot))
    case .recreate(let slot, let guest):
      guard slots.indices.contains(slot) else { return }
      let domain = slots[slot].domain
      try? host.destroyDomain(domain)
      guard (try? host.createDomain(guest, reusing: domain)) != nil else { return }
      // Whatever controllers hold under the id (its suspend lock, a session of the old domain) stays theirs.
      let touchedBy = slots[slot].touchedBy
      slots[slot] = SoakSlot(domain: domain, guest: guest)
      slots[slot].touchedBy = touchedBy
    case .restartXenStored:
      host.restartXenStored()
    case .holdSuspendLock(let slot):
      _ = host.holdSuspendLockInAnotherProcess(for: domain(ofSlot: slot))
    case .releaseSuspendLock(let slot):
      host.releaseSuspendLockOfAnotherProcess(for: domain(ofSlot: slot))
    }
  }
}
