import XenResumeCore

/// What a fast cycle may cost in host calls: the sequence the controller made before the stale-knowledge work, plus
/// the state checks that work added, each named with the reason it is there.
///
/// The baseline is the measured sequence at 7d27520 (Benchmarks' first figures: 8 / 9 / 9 / 7 calls). The pause-time
/// issue allows the checks added since then and nothing else; `excess(over:)` names any other call, so a test can fail
/// on it and the report can show it.
public struct HostCallBudget: Sendable {
  /// A call added to the baseline on purpose.
  public struct StateCheck: Sendable {
    /// The operation, as `XenHostOperation` names it.
    public let operation: XenHostOperation
    /// Why it is made on every suspend.
    public let reason: String
  }

  /// The calls of one cycle before the state checks existed, in no particular order.
  public let baseline: [XenHostOperation]
  /// The checks added since, one entry per call.
  public let stateChecks: [StateCheck]

  /// The most calls a cycle may make.
  public var limit: Int { baseline.count + stateChecks.count }

  /// What `sequence` makes beyond the baseline and the named checks, one entry per call (empty when within budget).
  public func excess(over sequence: [XenHostOperation]) -> [XenHostOperation] {
    var allowed = baseline + stateChecks.map(\.operation)
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
        stateChecks: [Self.stateCheck, Self.advertisedPort])
    case .pvXenStore:
      return HostCallBudget(
        baseline: [.write, .read] + resume + [.resumeDomainInXenStore, .nextWatchEvent],
        stateChecks: [Self.stateCheck, Self.advertisedPort, Self.clearSubscription])
    case .pvhvm:
      return HostCallBudget(
        baseline: [.write, .read] + resume + [.resumeDomainInXenStore, .nextWatchEvent],
        stateChecks: [
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
        ])
    case .hvm:
      return HostCallBudget(
        baseline: [.hvmParameter, .shutdownDomain, .domainInfo, .domainInfo, .resumeDomain, .resumeDomainInXenStore]
          + [.nextWatchEvent],
        stateChecks: [Self.stateCheck, Self.clearSubscription])
    }
  }

  private static let stateCheck = HostCallBudget.StateCheck(
    operation: .domainInfo,
    reason: "the domain is running and is still the one the controller knows (same handle, CPU time not reset), "
      + "read before it is asked to suspend")
  private static let advertisedPort = HostCallBudget.StateCheck(
    operation: .read,
    reason: "device/suspend/event-channel: the port the guest advertises now (a guest resumed as a new domain "
      + "advertises another), read for every suspend as libxl does")
  private static let clearSubscription = HostCallBudget.StateCheck(
    operation: .subscribeForSuspend,
    reason: "XEN_DOMCTL_subscribe with port 0: a suspend subscription left by another toolstack would silence "
      + "@releaseDomain; made before the guest is asked, so outside the pause")
}
