@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

extension SoakWorld {
  /// How much longer than its timeout a suspend may take on the soak's clock: the grace period a guest that may
  /// still suspend gets, and the driver's steps.
  static let suspendOverrun: Duration = .seconds(5) + SoakClockDriver.step * 2
  /// What a checkpoint body that takes long takes.
  static let longBody: Duration = .seconds(3)

  // MARK: After an operation

  /// The promises about one operation's outcome; `alone` when no other operation of the step acted on its domain
  /// (then Xen's state and the trace are the operation's own doing).
  func check(
    _ outcome: SoakOperationOutcome, alone: Bool, single: Bool, allowed: Duration, trace: [HostCallRecord],
    slotBefore: SoakSlot?, index: Int
  ) -> [SoakViolation] {
    var violations: [SoakViolation] = []
    let domain = outcome.domain
    func violation(_ invariant: SoakInvariant, _ detail: String) {
      violations.append(SoakViolation(invariant, "\(outcome.step): \(detail)", step: index))
    }

    // Every error is typed and names its call, or is what the step itself caused.
    switch outcome.error {
    case nil: break
    case let error as SuspendResumeError:
      if case .hostCall(let call, _, _) = error, call.call.isEmpty {
        violation(.untypedError, "\(error) names no call")
      }
    case is CancellationError:
      if !outcome.cancelledByStep { violation(.untypedError, "cancelled although nothing cancelled it") }
    case is SoakBodyError:
      if case .checkpoint(_, _, _, .throws) = outcome.step {} else { violation(.untypedError, "the body's error") }
    case let error?:
      violation(.untypedError, "threw \(type(of: error)): \(error)")
    }

    // No wait outlives its deadline and the grace period.
    if outcome.elapsed > allowed { violation(.waitOverran, "took \(outcome.elapsed), allowed \(allowed)") }

    guard alone else { return violations }
    let actual = outcome.stateAtEnd
    let touching = trace.filter { $0.succeeded && $0.touchesGuest(domain) }

    // The state an error states is the state Xen reports.
    if single, let error = outcome.error as? SuspendResumeError, let stated = error.statedState, stated != actual {
      violation(.errorStateWrong, "the error says \(stated), Xen reports \(actual): \(error)")
    }
    if let error = outcome.error as? SuspendResumeError, error.promisesNothingChanged, let first = touching.first {
      violation(.changedWhenRefused, "\(error), yet it made \(first)")
    }

    // A domain another actor suspended is not resumed or written into by a controller that knows the domain.
    if let slotBefore, slotBefore.suspendedByAnotherActor, slotBefore.knownBy.contains(outcome.target.controller),
      let first = touching.first(where: { $0.operation.resumesOrRewrites })
    {
      violation(.touchedAnotherActorsSuspend, "made \(first)")
    }
    return violations
  }

  /// Forgetting a domain no other controller touched gives back everything held for it.
  func checkForgotten(_ target: SoakTarget, slotBefore: SoakSlot, index: Int) -> [SoakViolation] {
    guard slotBefore.touchedBy.isSubset(of: [target.controller]) else { return [] }
    let domain = slotBefore.domain
    var left: [String] = []
    // `forget`, a controller's end and the paths that give a binding up cannot throw: what they could not give back
    // may stay once they said so in their log.
    if host.boundPortCount(to: domain) > 0, !log.reported("could not unbind", about: "\(domain)") {
      left.append("\(host.boundPortCount(to: domain)) bound port(s)")
    }
    if let port = host.suspendSubscription(of: domain),
      !log.reported("could not withdraw the suspend subscription", about: "\(domain)")
    {
      left.append("the suspend subscription to port \(port)")
    }
    if host.watchCount(on: XenStorePath.controlShutdown(of: domain)) > 0,
      !log.reported("could not remove the control node watch", about: "\(domain)")
    {
      left.append("the control node watch")
    }
    if host.suspendLockHolder(for: domain) == .toolstack { left.append("the suspend lock") }
    guard !left.isEmpty else { return [] }
    return [SoakViolation(.resourceLeaked, "forget(\(domain)) left \(left.joined(separator: ", "))", step: index)]
  }

  // MARK: After every step

  /// The promises about the whole machine between steps.
  func checkBetweenSteps(index: Int) -> [SoakViolation] {
    var violations: [SoakViolation] = []
    for slot in slots {
      let domain = slot.domain
      let state = state(of: domain)
      guard state != .gone, state != .dying else { continue }
      let observed = host.observations(of: domain)
      if !observed.isHealthy, slot.healthExcuse == nil {
        violations.append(
          SoakViolation(
            .guestHarmed, "domain \(domain) (\(slot.guest)): \(observed.failure ?? "unhealthy")", step: index))
      }
      if let failed = slot.failedSuspendLeftRunning, state == .shutDown(.suspend) {
        violations.append(
          SoakViolation(
            .suspendedAfterFailure, "domain \(domain) (\(slot.guest)) after the failed suspend of step \(failed)",
            step: index))
      }
      if slot.requestExcuse == nil, (try? host.read(XenStorePath.controlShutdown(of: domain))) == "suspend" {
        violations.append(
          SoakViolation(.requestLeftInXenStore, "domain \(domain) (\(slot.guest)), \(state)", step: index))
      }
    }
    for (index, controller) in controllers.enumerated() {
      let timer = controller.waitSnapshot.timer
      if timer.racing > 0 || timer.parked > 0 {
        violations.append(
          SoakViolation(.resourceLeaked, "controller \(index) still has \(timer) timed waits", step: index))
      }
    }
    return violations
  }

  /// Once every controller is gone, the host is back to where it was before the first one came.
  func checkReleased(index: Int) async -> [SoakViolation] {
    // A finished operation's task lets go of its closure, and so of the controller, a moment after it said it
    // finished: the controllers end once the last of those is gone, and only then must everything be back. The same
    // goes for the controllers replaced earlier in the sequence, which may still be ending.
    let ended = controllers.map { WeakController($0) } + replacedControllers
    releaseControllers()
    // Their ends, and their background waits' ends once cancelled, take real time (milliseconds when all is well).
    let real = ContinuousClock()
    let limit = real.now.advanced(by: .seconds(10))
    while ended.contains(where: \.isAlive) && real.now < limit { try? await Task.sleep(for: .microseconds(200)) }
    if ended.contains(where: \.isAlive) {
      return [SoakViolation(.resourceLeaked, "a controller was still referenced 10 s after the last one", step: index)]
    }
    // A weak reference reads nil once the controller's deinit has begun, not once it is done: on another thread it
    // may still be giving back sessions (seen under load: two suspend locks and a watch counted as leaked). So what
    // is left is read until nothing is, or the time is up.
    var left = leftBehind()
    while !left.isEmpty && real.now < limit {
      try? await Task.sleep(for: .microseconds(200))
      left = leftBehind()
    }
    guard !left.isEmpty else { return [] }
    return [SoakViolation(.resourceLeaked, "with every controller gone: \(left.joined(separator: ", "))", step: index)]
  }

  /// What the host still holds for a controller (waiting tasks, watches and ports beyond those the log reported it
  /// could not give back, transactions, suspend locks, subscriptions), as the release check names it.
  private func leftBehind() -> [String] {
    var left: [String] = []
    if host.waitingTaskCount > 0 { left.append("\(host.waitingTaskCount) waiting task(s)") }
    let unwatchFailures =
      log.count(of: "could not remove the control node watch")
      + log.count(of: "could not remove the @releaseDomain watch")
    if host.watchCount > unwatchFailures {
      left.append("\(host.watchCount) watch(es), \(unwatchFailures) reported")
    }
    let unbindFailures = log.count(of: "could not unbind")
    if host.boundPortCount > unbindFailures {
      left.append("\(host.boundPortCount) bound port(s), \(unbindFailures) reported")
    }
    if host.openTransactionCount > 0 { left.append("\(host.openTransactionCount) transaction(s)") }
    for slot in slots {
      if host.suspendLockHolder(for: slot.domain) == .toolstack { left.append("domain \(slot.domain)'s suspend lock") }
      if let port = host.suspendSubscription(of: slot.domain),
        !log.reported("could not withdraw the suspend subscription", about: "\(slot.domain)")
      {
        left.append("domain \(slot.domain)'s suspend subscription to port \(port)")
      }
    }
    return left
  }
}

extension SoakStep {
  /// How long the operation may take on the soak's clock: its timeout, the grace period and a checkpoint body's
  /// sleep, plus the driver's steps. (Operations without a timed wait take no time of their own, but run beside
  /// another operation's waits the clock moves under them: `together` steps allow each the larger allowance.)
  var allowedTime: Duration {
    switch self {
    case .suspend(_, _, let timeout, _): timeout.duration + SoakWorld.suspendOverrun
    case .checkpoint(_, _, let timeout, let body):
      timeout.duration + SoakWorld.suspendOverrun + (body == .takesLong ? SoakWorld.longBody : .zero)
    default: SoakClockDriver.step * 2
    }
  }
}

extension SuspendResumeError {
  /// The domain state the error states, if it states one.
  var statedState: DomainState? {
    switch self {
    case .notSuspended(_, let state), .timedOut(_, _, _, let state): state
    case .hostCall(_, let state, _): state
    case .shutDownForOtherReason(_, let reason?, _): .shutDown(reason)
    case .rebuildIncomplete: .paused
    case .rewindIncomplete: .shutDown(.suspend)
    case .domainNotFound, .refused, .shutDownForOtherReason, .unsupported, .alreadyInProgress: nil
    }
  }

  /// Whether the error promises that nothing was changed.
  var promisesNothingChanged: Bool {
    switch self {
    case .refused, .notSuspended, .alreadyInProgress, .unsupported: true
    case .domainNotFound, .timedOut, .shutDownForOtherReason, .hostCall, .rebuildIncomplete,
      .rewindIncomplete:
      false
    }
  }
}

extension XenHostOperation {
  /// Calls that resume a guest or write into it.
  var resumesOrRewrites: Bool {
    switch self {
    case .resumeDomain, .setVCPUContext, .resetVCPU, .writeGuestMemory, .resumeDomainInXenStore, .softResetDomain,
      .unpauseDomain, .setHVMParameter, .introduceDomain:
      true
    default: false
    }
  }
}

extension HostCallRecord {
  /// Whether the call acts on the guest: stops, resumes or rewrites it, signals it, or writes its xenstore home.
  func touchesGuest(_ guest: DomainID) -> Bool {
    switch operation {
    case .shutdownDomain, .resumeDomain, .setVCPUContext, .resetVCPU, .writeGuestMemory, .resumeDomainInXenStore,
      .pauseDomain, .unpauseDomain, .softResetDomain, .setHVMParameter, .introduceDomain, .allocateUnboundEventChannel:
      return domain == guest
    case .write, .remove, .setPermissions:
      let home = XenStorePath.home(of: guest) + "/"
      switch arguments {
      case .write(let path, _, _), .path(let path, _), .permissions(let path, _, _): return path.hasPrefix(home)
      default: return false
      }
    default:
      return false
    }
  }
}

extension HostCallRecord {
  /// Whether the call wrote or removed exactly `path`.
  func writesOrRemoves(_ path: String) -> Bool {
    switch arguments {
    case .write(let written, _, _): operation == .write && written == path
    case .path(let removed, _): operation == .remove && removed == path
    default: false
    }
  }
}

/// A controller the soak let go of, to see when it has really ended.
struct WeakController {
  weak var controller: SuspendController?

  init(_ controller: SuspendController) {
    self.controller = controller
  }

  var isAlive: Bool { controller != nil }
}
