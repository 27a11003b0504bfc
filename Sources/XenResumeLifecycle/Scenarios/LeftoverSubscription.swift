import XenResumeCore

extension StepRunner {
  /// `leftover-subscription`: another toolstack left a `XEN_DOMCTL_subscribe` behind, as libxenguest's
  /// `xc_suspend_evtchn_release` does (it never unsubscribes), naming a port the guest does not use. Xen then sends
  /// the guest's suspend to that dead port instead of raising `VIRQ_DOM_EXC`, so `@releaseDomain` never fires for it.
  /// The controller's xenstore suspend must still finish well within its timeout, and the guest must come back.
  ///
  /// Whatever the controller does, the subscription is cleared afterwards (port 0 unsubscribes), and one more cycle
  /// proves `@releaseDomain` works for the guest again: the rest of the run relies on it.
  func leftoverSubscription() async {
    let port = settings.leftoverPort
    let left = await step("other-subscribes") { record in
      record["port"] = .integer(port.rawValue)
      try other.host.subscribeForSuspend(domain, port: port)
      record.note = "XEN_DOMCTL_subscribe with port \(port), never unsubscribed"
    }
    if left {
      await step("suspend") { record in
        let timeout = settings.leftoverTimeout
        record["timeoutMilliseconds"] = .integer(timeout.components.seconds * 1000)
        let clock = ContinuousClock()
        let start = clock.now
        do {
          let suspended = try await controller.suspend(domain, timeout: timeout, path: .xenstoreControl)
          record["suspend"] = Self.suspendFacts(suspended)
          let took = clock.now - start
          record.expect(took < timeout / 2, "suspended only after \(took) of a \(timeout) timeout")
        } catch {
          record["suspendError"] = Self.errorFacts(error)
          record.problems.append("suspend failed after \(clock.now - start): \(Self.describe(error))")
        }
        do {
          let info = try other.host.domainInfo(domain)
          if info.isSuspended { try await controller.resume(domain, mode: .fast) }
        } catch {
          record["resumeError"] = Self.errorFacts(error)
          record.problems.append("fast resume failed: \(Self.describe(error))")
        }
        try await expectRunningAndAlive(&record)
        if record.problems.isEmpty { record.note = "suspended promptly over xenstore and resumed fast; guest alive" }
      }
    }
    let cleared = await step("other-unsubscribes") { record in
      try other.host.subscribeForSuspend(domain, port: EventChannelPort(0))
      record.note = "subscription cleared (port 0)"
    }
    if cleared { await cycle("cycle-after") }
  }
}
