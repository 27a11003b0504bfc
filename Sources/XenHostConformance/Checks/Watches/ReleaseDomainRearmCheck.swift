import XenResumeCore

extension ConformanceCheck {
  /// xenstored latches each domain's shutdown: `@releaseDomain` fires once for it, and not again for the domain
  /// until XS_RESUME clears the latch, even if the domain was resumed and suspended again meanwhile.
  static let releaseDomainRearmedByXSResume = ConformanceCheck(
    name: "watches.release-domain-rearmed-by-xs-resume",
    subject: .watches,
    rule: "after a suspend has fired @releaseDomain, a resume without XS_RESUME leaves it silent for the next "
      + "suspend; XS_RESUME re-arms it",
    source: "tools/xenstore/xenstored_domain.c check_domains (fires only when !domain->shutdown, then sets it) and "
      + "do_resume (the only place that clears it for a running domain); xen/common/domain.c domain_resume",
    body: .guest { session in
      _ = try session.context.requireRunning(session.guest)
      // Start from a cleared latch, whatever an earlier toolstack left: XS_RESUME of a running domain only clears it.
      try session.context.host.resumeDomainInXenStore(session.guest.domain)
      let watch = try await session.releaseDomainWatch()
      // xc_domain_shutdown stops the guest synchronously on every guest type, so each step knows when the suspend
      // happened without an event to tell it; the guest is resumed without a register write, as it never made a
      // suspend hypercall.
      try session.forceSuspend()
      guard try await watch.awaitEventShowingSuspended(session.guest, by: session.context.stepDeadline()) else {
        throw CheckFailure("the first suspend fired no @releaseDomain within \(session.context.settings.timeout)")
      }
      try session.resume(rearmingXenStore: false)
      try session.forceSuspend()
      if let event = try await watch.eventDuringQuietPeriod() {
        throw CheckFailure("\(event) fired for a second suspend although XS_RESUME had not re-armed it")
      }
      try session.context.expect(
        try session.context.host.domainInfo(session.guest.domain).isSuspended,
        "after the second xc_domain_shutdown the guest is not suspended")
      try session.resume()
      try session.forceSuspend()
      guard try await watch.awaitEventShowingSuspended(session.guest, by: session.context.stepDeadline()) else {
        throw CheckFailure("after XS_RESUME the next suspend fired no @releaseDomain")
      }
      try session.resume()
      return "fired, silent without XS_RESUME for \(session.context.settings.quietPeriod), fired again after it"
    })
}
