@_spi(XenHostBackends) import XenResumeCore

extension ConformanceCheck {
  /// The other half of the subscription rule, for a guest that advertises a suspend event channel: a fresh binding
  /// is pending once, with the guest's port subscribed a suspend signals the bound local port, not
  /// `@releaseDomain`, and unbinding does not undo the subscription (only subscribing port 0 does).
  static let suspendSubscriptionSignalsBoundPort = ConformanceCheck(
    name: "event-channels.suspend-subscription-signals-bound-port",
    subject: .eventChannels,
    rule: "binding the guest's suspend port leaves the local port pending once; with that port subscribed, a "
      + "suspend signals the local port and @releaseDomain stays silent, also after the local port is unbound",
    source: "xen/common/event_channel.c evtchn_bind_interdomain (\"conservatively always setting a notification on "
      + "the local port\"), evtchn_close (the guest's end goes back to ECS_UNBOUND; d->suspend_evtchn is untouched) "
      + "and evtchn_send (ECS_UNBOUND: silently dropped); xen/common/domain.c __domain_finalise_shutdown",
    body: .guest { session in
      let context = session.context
      let host = context.host
      let domain = session.guest.domain
      _ = try context.requireRunning(session.guest)
      let advertised = try host.read(XenStorePath.suspendEventChannel(of: domain)) ?? ""
      guard let number = UInt32(advertised) else {
        throw CheckSkip(
          "the guest advertises no suspend event channel (device/suspend/event-channel is \"\(advertised)\")")
      }
      let remote = EventChannelPort(number)
      let local = try session.bind(remotePort: remote)
      // The event a fresh binding leaves may reach dom0's event channel device a moment after the bind returns:
      // wait for it (bounded), as a toolstack draining it must.
      let initial = try await context.stepDeadline().valueBeforeExpiry {
        try await host.waitForEvent(on: local)
        return true
      }
      try context.expect(initial != nil, "a fresh binding of port \(remote) was not pending")
      try context.expect(!(try host.consumePendingEvent(on: local)), "local port \(local) was pending twice")
      try host.resumeDomainInXenStore(domain)
      let watch = try await session.releaseDomainWatch()
      try session.subscribeForSuspend(port: remote)
      try session.forceSuspend()
      let signalled = try await context.stepDeadline().valueBeforeExpiry {
        try await host.waitForEvent(on: local)
        return true
      }
      try context.expect(
        signalled != nil, "the suspend did not signal local port \(local) within \(context.settings.timeout)")
      if let event = try await watch.eventDuringQuietPeriod() {
        throw CheckFailure("\(event) fired although the suspend port was subscribed")
      }
      try session.resume()
      // The subscription belongs to the domain, not to the binding: unbound, the guest's port drops the send, and
      // xenstored still hears nothing (libxenguest's xc_suspend_evtchn_release unbinds without unsubscribing).
      try session.unbind(local)
      try session.forceSuspend()
      if let event = try await watch.eventDuringQuietPeriod() {
        throw CheckFailure("\(event) fired after unbinding although port \(remote) was still subscribed")
      }
      try session.resume()
      return "guest port \(remote) bound to local \(local): pending once; the suspend signalled it, @releaseDomain "
        + "silent, and still silent once unbound"
    })
}
