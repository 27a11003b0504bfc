extension SuspendController {
  /// The suspend event channel path (libxenguest's `xc_suspend_evtchn_init_exclusive` + `xc_await_suspend`):
  /// bind and subscribe once per session, then notify and wait for Xen to signal the port when the domain
  /// enters suspend (stages `requestSent`, then `suspended`, marked by the caller). Once subscribed Xen signals the port instead of `VIRQ_DOM_EXC` for a suspend, but still
  /// raises it for any other shutdown, so both the port and `@releaseDomain` are waited on.
  func suspendThroughEventChannel(
    _ domain: DomainID, session: inout DomainSession, deadline: Deadline, timeout: Duration,
    marks: inout StageMarks
  ) async throws {
    let port = try boundSuspendPort(domain, session: &session)
    try host.notify(port)
    // The guest answers by suspending, with nothing in between to mark: the next stage ends at the suspend.
    marks.mark(.requestSent, at: clock.elapsed())
    let host = host
    let monitor = releaseDomainMonitor
    let settling = session
    // Notified, the guest may still be on its way into suspend when a host call of the wait fails.
    try await settlingOnFailure(domain, path: .eventChannel, session: settling, suspendPort: port) {
      do {
        // A guest that suspends at once has already fired the port: a non-blocking read of the event device
        // settles it without setting up a timed wait.
        if try host.consumePendingEvent(on: port), try isSuspended(try host.domainInfo(domain)) { return }
        while true {
          // Xen signals the port for a suspend but raises VIRQ_DOM_EXC (@releaseDomain) for any other shutdown, so
          // both are waited on: a guest that crashes instead of suspending is reported at once, not at the timeout.
          let generation = try monitor.currentGeneration()
          try await deadline.race(
            { try await host.waitForEvent(on: port) }, or: { try await monitor.waitForChange(after: generation) })
          // The port also fires once after binding and may fire spuriously: only Xen's state counts.
          if try isSuspended(try host.domainInfo(domain)) { return }
        }
      } catch is DeadlineExceeded {
        if try isSuspended(try host.domainInfo(domain)) { return }
        try await settleAfterTimeout(
          domain, timeout: timeout, path: .eventChannel, session: settling, suspendPort: port)
      } catch is CancellationError {
        // A notification cannot be taken back: the guest may still be on its way into suspend.
        _ = await settleInOwnTask(domain, path: .eventChannel, session: settling, suspendPort: port)
        throw CancellationError()
      }
    }
  }

  /// The session's local port, bound to the guest's advertised port and subscribed for suspend on first use.
  func boundSuspendPort(_ domain: DomainID, session: inout DomainSession) throws -> EventChannelPort {
    if let channel = session.suspendChannel { return channel.local }
    guard let remote = session.remoteSuspendPort else {
      throw SuspendResumeError.refused(domain, reason: "the guest advertises no suspend event channel")
    }
    let local = try host.bindInterdomainEventChannel(to: domain, remotePort: remote)
    do {
      // Binding leaves the new port pending once; consume it so it is not mistaken for the guest's answer.
      _ = try host.consumePendingEvent(on: local)
      // Xen signals the guest's end of the channel, so the subscription names the guest's port.
      try host.subscribeForSuspend(domain, port: remote)
    } catch {
      // The set-up's own failure is the one reported; a port that cannot be unbound as well is logged, not dropped.
      unbindQuietly(local, domain: domain)
      throw error
    }
    session.suspendChannel = (local, remote)
    return local
  }
}
