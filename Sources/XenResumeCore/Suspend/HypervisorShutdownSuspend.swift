extension SuspendController {
  /// The hypervisor path for HVM guests without PV drivers: `xc_domain_shutdown(SHUTDOWN_suspend)`. The guest is
  /// not asked and does not answer; Xen stops its vcpus wherever they are (stages `requestSent`, then `suspended`,
  /// marked by the caller).
  func suspendThroughHypervisor(
    _ domain: DomainID, session: DomainSession, deadline: Deadline, timeout: Duration, marks: inout StageMarks
  ) async throws {
    try host.shutdownDomain(domain, reason: .suspend)
    marks.mark(.requestSent, at: clock.elapsed())
    do {
      try await waitUntilSuspended(
        domain, deadline: deadline, timeout: timeout, path: .hypervisorShutdown, session: session)
    } catch is CancellationError {
      undoSuspendAfterCancellation(domain, path: .hypervisorShutdown, session: session)
      throw CancellationError()
    }
  }
}
