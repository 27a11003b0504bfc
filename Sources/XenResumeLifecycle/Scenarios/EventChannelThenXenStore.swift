import XenResumeCore

extension StepRunner {
  /// The reason a skip of `eventchannel-then-xenstore` gives, which the real-Xen judge accepts (and no other): no
  /// upstream Linux guest advertises a suspend event channel.
  public static let noEventChannelReason = "the guest advertises no suspend event channel"

  /// `eventchannel-then-xenstore`: a cycle through the guest's suspend event channel (bound and subscribed by the
  /// controller), then one with the xenstore path forced, on the same controller: the second must not wait on the
  /// `@releaseDomain` the first one's subscription silences. Then the controller forgets the guest, and the other
  /// toolstack must be able to take the channel as libxl does (lock, binding, subscription) and suspend through it.
  /// Skipped when the plan is not the event channel.
  func eventChannelThenXenStore() async {
    var usable = false
    await step("plan") { record in
      let plan = try await controller.suspendPlan(for: domain)
      record["path"] = .string(plan.path.rawValue)
      record["reason"] = .string(plan.reason)
      if plan.path == .eventChannel {
        usable = true
        record.note = "event channel: \(plan.reason)"
      } else {
        record.skipReason = "\(Self.noEventChannelReason) (plan: \(plan.path): \(plan.reason))"
      }
    }
    guard usable else { return }
    guard await cycle("event-channel", expectPath: .eventChannel) else { return }
    guard await cycle("xenstore", path: .xenstoreControl, expectPath: .xenstoreControl) else { return }
    await step("forget-then-other") { record in
      controller.forget(domain)
      record["suspend"] = .string(try await other.suspendThroughChannel(guest, timeout: settings.cycleTimeout))
      record["resume"] = .string(try await other.resumeCooperatively(guest))
    }
  }
}
