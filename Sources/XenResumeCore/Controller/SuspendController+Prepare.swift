extension SuspendController {
  /// Takes, ahead of time, everything the domain's suspends need, so that none of it falls into a guest's pause:
  /// the domain's facts and the suspend path, the cross-process suspend lock, on the xenstore path the watch on
  /// the guest's `control/shutdown`, and on the event channel path the guest's port bound and subscribed (libxl
  /// likewise sets up the channel before a save's first checkpoint).
  ///
  /// Without it the first suspend does all this itself, inside the pause it reports. A checkpointing toolstack
  /// calls it once before its loop; what it takes is held until `forget(_:)`, as after a suspend. Every later
  /// suspend still re-reads what may have changed (the guest type, its sleep state, its advertised port).
  /// - Parameters:
  ///   - domain: a running guest; dom0 and the toolstack's own domain are refused.
  ///   - path: the path the suspends will be forced to take; `nil` prepares the one libxl's rules choose. A path the
  ///     guest cannot take is refused, as `suspend` refuses it.
  /// - Returns: the plan the next suspend will follow (with a forced path, that path and the reason "forced").
  /// - Throws: `SuspendResumeError`: `alreadyInProgress` when another process holds the suspend lock, `refused`
  ///   for a domain that is not running or a path it cannot take.
  @discardableResult
  public func prepare(_ domain: DomainID, path: SuspendPath? = nil) async throws -> SuspendPlan {
    try refuseSpecialDomain(domain)
    try beginOperation(on: domain)
    defer { endOperation(on: domain) }
    do {
      var session = try openSession(domain)
      // Stored at once, as in `suspend`, so the lock it may have taken stays tracked if what follows fails.
      storeSession(session, for: domain)
      let chosen = try choosePath(path, session: &session, domain: domain)
      defer { storeSession(session, for: domain) }
      // The `@releaseDomain` watch every path waits on (for a crash, on the event channel path) is the
      // controller's, registered once; registering it here keeps it out of the first pause too.
      _ = try releaseDomainMonitor.currentGeneration()
      if chosen == .eventChannel {
        _ = try boundSuspendPort(domain, session: &session)
      } else {
        try clearSuspendSubscription(of: &session, domain: domain)
      }
      if chosen == .xenstoreControl { _ = try keptControlWatch(of: &session) }
      guard chosen != session.plan.path else { return session.plan }
      return SuspendPlan(
        domain: domain, guestType: session.guestType, width: session.width, path: chosen,
        reason: "forced by the caller")
    } catch {
      throw translate(error, domain: domain)
    }
  }
}
