import XenResumeCore

extension ConformanceCheck {
  /// When a guest suspends, Xen raises `VIRQ_DOM_EXC` and xenstored fires `@releaseDomain`: that is how a
  /// toolstack learns a suspend finished.
  static let releaseDomainOnSuspend = ConformanceCheck(
    name: "watches.release-domain-fires-on-suspend",
    subject: .watches,
    rule: "@releaseDomain fires when a guest suspends (asked through control/shutdown, or stopped by "
      + "xc_domain_shutdown for a guest without PV drivers)",
    source: "xen/common/domain.c __domain_finalise_shutdown (send_global_virq(VIRQ_DOM_EXC) without a suspend "
      + "channel), tools/xenstore/xenstored_domain.c check_domains (fires @releaseDomain for a newly shut-down domain)",
    body: .guest { session in
      _ = try session.context.requireRunning(session.guest)
      let watch = try await session.releaseDomainWatch()
      try await session.suspendAsItsTypeRequires(watching: watch, requiringEvent: true)
      let method = session.suspendedBy == .cooperative ? "control/shutdown" : "xc_domain_shutdown"
      try session.resume()
      return "suspended through \(method), @releaseDomain fired, resumed"
    })
}
