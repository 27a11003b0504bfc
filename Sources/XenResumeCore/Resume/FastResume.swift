extension SuspendController {
  /// The cooperative resume (`xc_domain_resume(fast=1)`): vcpu0's return register is set to 1 so the guest's
  /// suspend hypercall returns "cancelled", then the domain runs again.
  ///
  /// The register is only written where the guest is known to sit inside its suspend hypercall: never after a
  /// hypervisor-path suspend (the vcpu stopped wherever it was), and for an HVM container suspended by someone
  /// else only when it has PV drivers (libxenguest's rule).
  func resumeFast(_ domain: DomainID, info: DomainInfo, session: DomainSession) throws {
    // Undoing a late or cancelled suspend: nobody reads these stages.
    var unreported = StageMarks(start: .zero)
    try resumeFast(domain, info: info, session: session, marks: &unreported)
  }

  /// `resumeFast(_:info:session:)`, marking `returnRegisterSet` (where the register is written) and
  /// `domainResumed`.
  func resumeFast(_ domain: DomainID, info: DomainInfo, session: DomainSession, marks: inout StageMarks) throws {
    guard try guestIsInSuspendHypercall(domain, session: session) else {
      try finishResume(domain, marks: &marks)
      return
    }
    // One context buffer, modified in place: only the old register value is kept for the rollback.
    var context = try host.vcpuContext(of: domain, vcpu: 0, width: session.width)
    let previous = context.returnRegister
    context.returnRegister = 1
    try host.setVCPUContext(context, of: domain, vcpu: 0)
    marks.mark(.returnRegisterSet, at: clock.elapsed())
    try finishResume(domain, marks: &marks) {
      // Put the register back so the still-suspended guest is exactly as before.
      do {
        context.returnRegister = previous
        try host.setVCPUContext(context, of: domain, vcpu: 0)
        return "vcpu0's return register restored; the domain is still suspended"
      } catch {
        return nil
      }
    }
  }

  /// Whether vcpu0 sits in its suspend hypercall. Known for a domain this controller suspended; otherwise
  /// derived from Xen's facts the way libxl chose its path: a PV guest suspends only through its hypercall, and
  /// an HVM container does when it has PV drivers and is not in an ACPI sleep state (libxl stops a sleeping one
  /// with `xc_domain_shutdown`, outside any hypercall, so a `suspend` and a later `resume` from two processes must
  /// not write a register into it).
  private func guestIsInSuspendHypercall(_ domain: DomainID, session: DomainSession) throws -> Bool {
    switch session.suspendedBy {
    case .hypervisorShutdown: return false
    case .eventChannel, .xenstoreControl: return true
    case nil:
      guard session.guestType != .pv else { return true }
      guard try host.hvmParameter(.callbackIRQ, of: domain) != 0 else { return false }
      return try host.hvmParameter(.acpiSleepState, of: domain) == 0
    }
  }
}
