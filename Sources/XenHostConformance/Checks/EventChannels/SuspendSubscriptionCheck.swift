import XenResumeCore

extension ConformanceCheck {
  /// Once a suspend port is subscribed, Xen signals it instead of raising `VIRQ_DOM_EXC` when the domain suspends,
  /// so xenstored never looks and `@releaseDomain` stays silent; subscribing port 0 restores `@releaseDomain`.
  ///
  /// The subscribed port is one the guest does not use (`ConformanceSettings.unusedGuestPort`): no guest on real
  /// Xen has a channel bound to dom0 here, Xen stores the number unchecked, and the send to it fails harmlessly.
  /// Both suspends are `xc_domain_shutdown(SHUTDOWN_suspend)`, which takes effect before the call returns on every
  /// guest type, so the silent step needs no event to know the suspend happened; the rule is the same for a
  /// guest's own suspend hypercall (both end in `domain_shutdown`).
  static let suspendSubscriptionSilencesReleaseDomain = ConformanceCheck(
    name: "event-channels.suspend-subscription-replaces-release-domain",
    subject: .eventChannels,
    rule: "with a suspend port subscribed, a suspend does not fire @releaseDomain; after subscribing port 0 it does",
    source: "xen/common/domctl.c XEN_DOMCTL_subscribe (d->suspend_evtchn stored unchecked), xen/common/domain.c "
      + "__domain_finalise_shutdown (evtchn_send to it instead of VIRQ_DOM_EXC, for SHUTDOWN_suspend only), "
      + "xen/common/event_channel.c evtchn_send (-EINVAL for a port that is not valid)",
    body: .guest { session in
      let context = session.context
      _ = try context.requireRunning(session.guest)
      try context.host.resumeDomainInXenStore(session.guest.domain)
      let watch = try await session.releaseDomainWatch()
      let port = context.settings.unusedGuestPort
      try session.subscribeForSuspend(port: port)
      try session.forceSuspend()
      if let event = try await watch.eventDuringQuietPeriod() {
        throw CheckFailure("\(event) fired for a suspend with port \(port) subscribed")
      }
      try context.expect(
        try context.host.domainInfo(session.guest.domain).isSuspended, "xc_domain_shutdown did not suspend the guest")
      try session.resume()
      try session.subscribeForSuspend(port: EventChannelPort(0))
      try session.forceSuspend()
      guard try await watch.awaitEventShowingSuspended(session.guest, by: context.stepDeadline()) else {
        throw CheckFailure(
          "after subscribing port 0 a suspend fired no @releaseDomain within \(context.settings.timeout)")
      }
      try session.resume()
      return "port \(port): silent for \(context.settings.quietPeriod); port 0: @releaseDomain fired"
    })
}
