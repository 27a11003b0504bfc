import XenResumeCore

/// What a fast cycle may cost in host calls: the sequence the controller made before the stale-knowledge work, plus
/// the calls added since, each named with the reason it is there.
///
/// The baseline is the measured sequence at 7d27520 (Benchmarks' first figures: 8 / 9 / 9 / 7 calls). The pause-time
/// issue allows the state checks added since then; the only other additions are the kept control node watch's event
/// takes, which replace round trips to xenstored on real Xen. `excess(over:)` names any other call, so a test can
/// fail on it and the report can show it.
public struct HostCallBudget: Sendable {
  /// A call added to the baseline on purpose.
  public struct Addition: Sendable {
    /// The operation, as `XenHostOperation` names it.
    public let operation: XenHostOperation
    /// Why it is made on every cycle.
    public let reason: String
  }

  /// The calls of one cycle before the state checks existed, in no particular order.
  public let baseline: [XenHostOperation]
  /// The calls added since, one entry per call.
  public let additions: [Addition]

  /// The most calls a cycle may make.
  public var limit: Int { baseline.count + additions.count }

  /// What `sequence` makes beyond the baseline and the named additions, one entry per call (empty when within budget).
  public func excess(over sequence: [XenHostOperation]) -> [XenHostOperation] {
    var allowed = baseline + additions.map(\.operation)
    var extra: [XenHostOperation] = []
    for operation in sequence {
      if let index = allowed.firstIndex(of: operation) {
        allowed.remove(at: index)
      } else {
        extra.append(operation)
      }
    }
    return extra
  }
}

extension Scenario {
  /// The host-call budget of this scenario's fast cycle.
  public var hostCallBudget: HostCallBudget {
    let resume: [XenHostOperation] = [.domainInfo, .domainInfo, .vcpuContext, .setVCPUContext, .resumeDomain]
    switch self {
    case .pvEventChannel:
      return HostCallBudget(
        baseline: [.notify, .consumePendingEvent] + resume + [.resumeDomainInXenStore],
        additions: [Self.stateCheck, Self.advertisedPort])
    case .pvXenStore:
      return HostCallBudget(
        baseline: [.write, .read] + resume + [.resumeDomainInXenStore, .nextWatchEvent],
        additions: [Self.stateCheck, Self.advertisedPort, Self.clearSubscription] + Self.keptWatchEvents)
    case .pvhvm:
      return HostCallBudget(
        baseline: [.write, .read] + resume + [.resumeDomainInXenStore, .nextWatchEvent],
        additions: [
          Self.stateCheck,
          .init(
            operation: .hvmParameter,
            reason: "HVM_PARAM_CALLBACK_IRQ: the guest's PV drivers come and go with its kernel, so its type is read "
              + "again (libxl reads it for every suspend)"),
          .init(
            operation: .hvmParameter,
            reason: "HVM_PARAM_ACPI_S_STATE: a guest in an ACPI sleep state must be stopped by the hypervisor "
              + "(libxl's rule, read for every suspend)"),
          Self.advertisedPort, Self.clearSubscription,
        ] + Self.keptWatchEvents)
    case .hvm:
      return HostCallBudget(
        baseline: [.hvmParameter, .shutdownDomain, .domainInfo, .domainInfo, .resumeDomain, .resumeDomainInXenStore]
          + [.nextWatchEvent],
        additions: [Self.stateCheck, Self.clearSubscription])
    }
  }

  private static let stateCheck = HostCallBudget.Addition(
    operation: .domainInfo,
    reason: "the domain is running and is still the one the controller knows (same handle, CPU time not reset), "
      + "read before it is asked to suspend")
  private static let advertisedPort = HostCallBudget.Addition(
    operation: .read,
    reason: "device/suspend/event-channel: the port the guest advertises now (a guest resumed as a new domain "
      + "advertises another), read for every suspend as libxl does")
  private static let clearSubscription = HostCallBudget.Addition(
    operation: .subscribeForSuspend,
    reason: "XEN_DOMCTL_subscribe with port 0: a suspend subscription left by another toolstack would silence "
      + "@releaseDomain; made before the guest is asked, so outside the pause")
  private static let keptWatchEvents = [
    HostCallBudget.Addition(
      operation: .takeWatchEvent,
      reason: "the control node's kept watch: the request's own event, taken without a read. A take is a queue in "
        + "the process, no round trip and no wait; against a guest that takes time to answer, the kept watch saves "
        + "an xs_watch, a read and an xs_unwatch per suspend, each a round trip to xenstored (this host's guests "
        + "answer inside the write, so the old sequence needed none of them here)"),
    HostCallBudget.Addition(
      operation: .takeWatchEvent,
      reason: "the control node's kept watch: the guest's answer, after which the node is read"),
  ]
}
