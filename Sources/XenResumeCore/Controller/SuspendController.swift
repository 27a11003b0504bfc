import Logging
import Metrics
import Synchronization

/// Suspends and resumes Xen domains the way libxl and libxenguest do, over any `XenHost`.
///
/// ```swift
/// let controller = SuspendController(host: try LibxenHost())
/// let suspended = try await controller.suspend(7, timeout: .seconds(60))
/// try await controller.resume(7, mode: .fast)
/// let digest = try await controller.checkpoint(7, timeout: .seconds(60)) { suspended in
///   try await copyDirtyPages(of: suspended.domain)
/// }
/// ```
///
/// The controller learns once what cannot change while a domain lives (its width, the suspend event channel
/// binding, the cross-process suspend lock) and keeps it until `forget(_:)` or until it is released, so a
/// checkpoint loop makes only the host calls each cycle needs. It never acts on that knowledge alone: every
/// suspend and resume first reads the domain's state from Xen, so a domain suspended by another toolstack is
/// refused and left as it is, a new domain that got a known id (told apart by its handle and CPU time) is learned
/// afresh, and what may change between suspends (ACPI sleep state, PV drivers, the advertised suspend port) is
/// read again, as libxl reads it. Every wait is event-driven, bounded by the
/// timeout on the injected clock, and honours Task cancellation; no error leaves a guest in a state the
/// controller could have undone.
///
/// Every suspend and resume reports the time each of its stages took (`SuspendedDomain.stages`,
/// `ResumedDomain.stages`), and the controller records durations and outcomes through swift-metrics once a backend
/// is bootstrapped (`SuspendControllerMetrics` lists them).
public final class SuspendController: Sendable {
  let host: any XenHost
  let clock: any ControllerClock
  let logger: Logger
  let releaseDomainMonitor: ReleaseDomainMonitor
  let deadlineTimer: DeadlineTimer
  /// `nil` when metrics go to swift-metrics' no-op factory: the operations then skip them entirely.
  let metrics: ControllerMetrics?
  let state = Mutex(ControllerState())

  struct ControllerState {
    var busy: Set<DomainID> = []
    var sessions: [DomainID: DomainSession] = [:]
    var toolstackDomain: DomainID?
    var hostWidth: GuestWidth?
    /// The domains counted in the suspended-domains meter (kept only with metrics on): those this controller
    /// suspended and has not yet seen resumed, forgotten or gone.
    var countedAsSuspended: Set<DomainID> = []
  }

  /// A controller over `host` that measures and times out on the continuous clock.
  ///
  /// - Parameters:
  ///   - host: the backend every call goes through (`LibxenHost` in dom0, `SimulatedXenHost` in tests).
  ///   - logger: where the controller logs (debug level, the domain in the metadata).
  ///   - metricsFactory: where metrics go; `nil` uses `MetricsSystem.factory` as it is now (no-op until the
  ///     application bootstraps a backend, so bootstrap before making controllers).
  public convenience init(
    host: any XenHost, logger: Logger = Logger(label: "SwiftXenResume"), metricsFactory: (any MetricsFactory)? = nil
  ) {
    self.init(host: host, clock: ContinuousClock(), logger: logger, metricsFactory: metricsFactory)
  }

  /// A controller over `host` whose timeouts and durations use `clock` (inject a test clock to test timeouts
  /// without waiting).
  ///
  /// - Parameters:
  ///   - host: the backend every call goes through (`LibxenHost` in dom0, `SimulatedXenHost` in tests).
  ///   - clock: what timeouts, stage timings and metrics are measured on.
  ///   - logger: where the controller logs (debug level, the domain in the metadata).
  ///   - metricsFactory: where metrics go; `nil` uses `MetricsSystem.factory` as it is now (no-op until the
  ///     application bootstraps a backend). Tests pass their own factory instead of bootstrapping the process.
  public init<C: Clock>(
    host: any XenHost, clock: C, logger: Logger = Logger(label: "SwiftXenResume"),
    metricsFactory: (any MetricsFactory)? = nil
  )
  where C.Duration == Duration {
    self.host = host
    let adapter = ClockAdapter(clock)
    self.clock = adapter
    self.logger = logger
    self.releaseDomainMonitor = ReleaseDomainMonitor(host: host, logger: logger)
    self.deadlineTimer = DeadlineTimer(clock: adapter)
    self.metrics = ControllerMetrics.make(factory: metricsFactory ?? MetricsSystem.factory)
  }

  deinit {
    releaseDomainMonitor.stop()
    deadlineTimer.stop()
    let (sessions, counted) = state.withLock { ($0.sessions, $0.countedAsSuspended.count) }
    for (domain, session) in sessions { releaseResources(of: session, domain: domain) }
    // The domains stay suspended, but no longer by a controller that exists: the meter adds up controllers.
    if let metrics, counted > 0 { metrics.suspendedDomains.decrement(by: Double(counted)) }
  }

  /// What the controller's waits are doing now (see `ControllerWaitSnapshot`).
  package var waitSnapshot: ControllerWaitSnapshot {
    let timer = deadlineTimer.waitSnapshot
    let monitor = releaseDomainMonitor.waitSnapshot
    return ControllerWaitSnapshot(
      timer: timer, monitorParked: monitor.parked, hostWaitsBetweenOperations: monitor.pumps,
      monitorChanges: monitor.changes)
  }

  // MARK: Public operations

  /// The domain's guest type, from Xen's own facts: the HVM flag, the PVH emulation flags, and
  /// `HVM_PARAM_CALLBACK_IRQ` for PV drivers.
  public func guestType(of domain: DomainID) async throws -> GuestType {
    do {
      let info = try host.domainInfo(domain)
      return try classify(info)
    } catch {
      throw translate(error, domain: domain)
    }
  }

  /// Which path `suspend` would take for the domain and why, without touching it. Refused, like `suspend`, for
  /// dom0 and the toolstack's own domain.
  public func suspendPlan(for domain: DomainID) async throws -> SuspendPlan {
    try refuseSpecialDomain(domain)
    do {
      let info = try host.domainInfo(domain)
      return try learnSession(domain, info: info).plan
    } catch {
      throw translate(error, domain: domain)
    }
  }

  /// Suspends a running domain and returns once Xen reports it shut down with reason suspend.
  ///
  /// - Parameters:
  ///   - domain: the guest; dom0 and the toolstack's own domain are refused.
  ///   - timeout: the whole suspend's budget on the controller's clock (libxl allows 60 s per stage). A guest that
  ///     is not suspended within it is left running: the request is withdrawn if it was not acknowledged, and a
  ///     guest that suspends anyway, late (within a short grace period) or just as the timeout passed, is resumed
  ///     fast before `timedOut` is thrown.
  ///   - path: force a path; `nil` chooses as libxl does. A path the guest cannot take is refused before anything
  ///     is touched.
  /// - Throws: `SuspendResumeError`; `CancellationError` when the task is cancelled, after withdrawing the
  ///   request (or resuming a guest that suspended meanwhile). A guest that already acknowledged the request, or
  ///   was notified on its suspend channel, first gets the grace period to finish suspending, and is resumed if it
  ///   does; so does a guest whose wait failed with a host call error, which `hostCall`'s `undone` then describes.
  public func suspend(_ domain: DomainID, timeout: Duration = .seconds(60), path: SuspendPath? = nil) async throws
    -> SuspendedDomain
  {
    guard let metrics else { return try await suspendUnmetered(domain, timeout: timeout, path: path) }
    do {
      let suspended = try await suspendUnmetered(domain, timeout: timeout, path: path)
      metrics.recordSuspend(suspended)
      metrics.count(.suspend, .ok)
      if state.withLock({ $0.countedAsSuspended.insert(domain).inserted }) { metrics.suspendedDomains.increment() }
      return suspended
    } catch {
      metrics.count(.suspend, SuspendControllerMetrics.Outcome(error))
      throw error
    }
  }

  private func suspendUnmetered(_ domain: DomainID, timeout: Duration, path: SuspendPath?) async throws
    -> SuspendedDomain
  {
    try refuseSpecialDomain(domain)
    try beginOperation(on: domain)
    defer { endOperation(on: domain) }
    var marks = StageMarks(start: clock.elapsed())
    let deadline = Deadline(after: timeout, on: clock, timer: deadlineTimer)
    do {
      var session = try openSession(domain)
      // Stored at once so the suspend lock it may have taken stays tracked if the forced path is refused.
      storeSession(session, for: domain)
      let chosen: SuspendPath
      do {
        chosen = try choosePath(path, session: &session, domain: domain)
        if chosen != .eventChannel { try clearSuspendSubscription(of: &session, domain: domain) }
        // Set up before the plan is complete, so that `planned` holds everything done before the guest is asked.
        if chosen == .xenstoreControl { _ = try keptControlWatch(of: &session) }
      } catch {
        // What was given up or taken on the way is the session's now: a binding released before a failed
        // unsubscribe must not stay recorded, or a later suspend would notify whichever guest its port number
        // was bound to next.
        storeSession(session, for: domain)
        throw error
      }
      logger.debug(
        "suspending",
        metadata: ["domain": "\(domain)", "path": "\(chosen)", "guest": "\(session.guestType)"])
      // Marked before the request goes out: from here on a suspend Xen reports may be this one, and a resume
      // after a failure half-way (a host call failing once the guest has suspended) must not be refused as
      // someone else's.
      session.suspendedBy = chosen
      marks.mark(.planned, at: clock.elapsed())
      do {
        switch chosen {
        case .eventChannel:
          try await suspendThroughEventChannel(
            domain, session: &session, deadline: deadline, timeout: timeout, marks: &marks)
        case .xenstoreControl:
          try await suspendThroughControlNode(
            domain, session: &session, deadline: deadline, timeout: timeout, marks: &marks)
        case .hypervisorShutdown:
          try await suspendThroughHypervisor(
            domain, session: session, deadline: deadline, timeout: timeout, marks: &marks)
        }
      } catch {
        // A failed suspend that left the guest running does not vouch for a later suspend by someone else.
        if let state = currentState(of: domain), state != .shutDown(.suspend) { session.suspendedBy = nil }
        storeSession(session, for: domain)
        throw error
      }
      storeSession(session, for: domain)
      // One clock read both ends the last stage and checks the deadline.
      let end = clock.elapsed()
      if end >= deadline.instant {
        // Suspended, but later than the caller allowed: a timeout is a promise that the guest is not left paused
        // longer, so bring it back and report the timeout.
        try resumeFast(domain, info: try host.domainInfo(domain), session: session)
        markResumedAfterLateSuspend(domain)
        throw SuspendResumeError.timedOut(
          domain, stage: .suspension, timeout: timeout, state: currentState(of: domain) ?? .running)
      }
      marks.mark(.suspended, at: end)
      let suspended = SuspendedDomain(
        domain: domain, guestType: session.guestType, path: chosen, duration: marks.total,
        stageDurations: marks.durations)
      logger.debug("suspended", metadata: ["domain": "\(domain)", "duration": "\(suspended.duration)"])
      return suspended
    } catch {
      throw translate(error, domain: domain)
    }
  }

  /// Resumes a suspended domain, holding the cross-process suspend lock while it does.
  ///
  /// A domain that is not suspended is an error that changes nothing, in every mode. So is a domain this
  /// controller knows but did not suspend: one another toolstack suspended after this controller last resumed it
  /// is `refused` and left as it is (call `forget(_:)` first to take it over). A controller that does not know
  /// the domain (a fresh one, as in a separate `xen-resume resume` process) resumes it from Xen's facts alone.
  /// - Parameters:
  ///   - domain: the guest; dom0 and the toolstack's own domain are refused.
  ///   - mode: `.fast` (the guest sees its suspend cancelled), `.slow` (it sees a new domain), or
  ///     `.uncooperative` (no register touched, for a domain stopped by `xc_domain_shutdown`).
  ///   - options: `.confirmSlowResumeOfPVAwareGuest` is required for `.slow` on PV, PVH and PVHVM guests: on real
  ///     Xen 4.17 and 4.20, no Linux guest of these types measured (5.10, 6.1, 6.12) survives a same-domain slow
  ///     resume (6.1 and 6.12 panic with "register_vcpu_info failed: cpu=0 err=-22", err=-16 on 4.20; 5.10 PV
  ///     PVH and PVHVM hang), while pure HVM guests survive it and need no opt-in. <doc:ChoosingAResume> has every
  ///     cell of the survival matrix.
  /// - Returns: the domain, its guest type, the mode, and the time the resume and each of its stages took.
  @discardableResult
  public func resume(_ domain: DomainID, mode: ResumeMode = .fast, options: ResumeOptions = []) async throws
    -> ResumedDomain
  {
    guard let metrics else { return try resumeUnmetered(domain, mode: mode, options: options).resumed }
    do {
      let (resumed, path) = try resumeUnmetered(domain, mode: mode, options: options)
      metrics.recordResume(resumed, path: path)
      metrics.count(.resume, .ok)
      noLongerSuspended(domain)
      return resumed
    } catch {
      metrics.count(.resume, SuspendControllerMetrics.Outcome(error))
      throw error
    }
  }

  /// The resume, and how this controller had suspended the domain (`nil`: it had not).
  private func resumeUnmetered(_ domain: DomainID, mode: ResumeMode, options: ResumeOptions) throws
    -> (resumed: ResumedDomain, path: SuspendPath?)
  {
    try refuseSpecialDomain(domain)
    try beginOperation(on: domain)
    defer { endOperation(on: domain) }
    var marks = StageMarks(start: clock.elapsed())
    do {
      let (guestType, path) = try resumeSuspended(domain, mode: mode, options: options, marks: &marks)
      marks.mark(.xenstoreResumed, at: clock.elapsed())
      let resumed = ResumedDomain(
        domain: domain, guestType: guestType, mode: mode, duration: marks.total, stageDurations: marks.durations)
      return (resumed, path)
    } catch {
      throw translate(error, domain: domain)
    }
  }

  /// Suspends the domain, runs `body` while it is suspended, and resumes it fast — also when `body` throws or
  /// the task is cancelled — then returns `body`'s result or rethrows its error.
  ///
  /// If the resume itself fails, that error is thrown (it is the one an operator must act on) and `body`'s error
  /// is logged.
  public func checkpoint<Result>(
    _ domain: DomainID,
    timeout: Duration = .seconds(60),
    path: SuspendPath? = nil,
    _ body: (SuspendedDomain) async throws -> Result
  ) async throws -> Result {
    // The pause is read only for the metrics: without them a checkpoint costs no clock read of its own.
    let start = metrics == nil ? Duration.zero : clock.elapsed()
    let suspended: SuspendedDomain
    do {
      suspended = try await suspend(domain, timeout: timeout, path: path)
    } catch {
      metrics?.count(.checkpoint, SuspendControllerMetrics.Outcome(error))
      throw error
    }
    let outcome: Swift.Result<Result, any Error>
    do {
      outcome = .success(try await body(suspended))
    } catch {
      outcome = .failure(error)
    }
    do {
      try await resume(domain, mode: .fast)
    } catch {
      if case .failure(let bodyError) = outcome {
        logger.error(
          "checkpoint body failed before the resume failed too",
          metadata: ["domain": "\(domain)", "error": "\(bodyError)"])
      }
      metrics?.count(.checkpoint, SuspendControllerMetrics.Outcome(error))
      throw error
    }
    if let metrics {
      metrics.recordCheckpointPause(clock.elapsed() - start, path: suspended.path, guestType: suspended.guestType)
      if case .failure(let error) = outcome {
        metrics.count(.checkpoint, SuspendControllerMetrics.Outcome(error))
      } else {
        metrics.count(.checkpoint, .ok)
      }
    }
    return try outcome.get()
  }

  /// Releases what the controller holds for a domain: its suspend event channel binding (the suspend subscription
  /// withdrawn first, so `@releaseDomain` fires again for the domain's suspends) and the cross-process suspend
  /// lock. The next suspend learns the domain's facts again; the next resume treats it as a domain this controller
  /// did not suspend.
  public func forget(_ domain: DomainID) {
    let session = state.withLock { $0.sessions.removeValue(forKey: domain) }
    if let session { releaseResources(of: session, domain: domain) }
    noLongerSuspended(domain)
  }

  // MARK: Bookkeeping

  func refuseSpecialDomain(_ domain: DomainID) throws {
    if domain == .dom0 {
      throw SuspendResumeError.refused(domain, reason: "domain 0 is the control domain and cannot be suspended")
    }
    let toolstack: DomainID
    if let known = state.withLock({ $0.toolstackDomain }) {
      toolstack = known
    } else {
      do {
        toolstack = try host.toolstackDomain()
      } catch {
        throw translate(error, domain: domain)
      }
      state.withLock { $0.toolstackDomain = toolstack }
    }
    if domain == toolstack {
      throw SuspendResumeError.refused(domain, reason: "it is the domain this toolstack runs in")
    }
  }

  func beginOperation(on domain: DomainID) throws {
    let inserted = state.withLock { $0.busy.insert(domain).inserted }
    if !inserted { throw SuspendResumeError.alreadyInProgress(domain, byAnotherProcess: false) }
  }

  func endOperation(on domain: DomainID) {
    _ = state.withLock { $0.busy.remove(domain) }
  }

  func markResumedAfterLateSuspend(_ domain: DomainID) {
    state.withLock { state in
      guard let index = state.sessions.index(forKey: domain) else { return }
      state.sessions.values[index].suspendedBy = nil
    }
  }

  func storeSession(_ session: DomainSession, for domain: DomainID) {
    state.withLock { $0.sessions[domain] = session }
  }

  func existingSession(_ domain: DomainID) -> DomainSession? {
    state.withLock { $0.sessions[domain] }
  }

  func cachedHostWidth() throws -> GuestWidth {
    if let width = state.withLock({ $0.hostWidth }) { return width }
    let width = try host.hostWidth()
    state.withLock { $0.hostWidth = width }
    return width
  }

  /// Everything a session holds, given back: its subscription withdrawn and its port unbound (a subscription left
  /// behind would silence `@releaseDomain` for every later suspend of the domain, by anyone), then the lock.
  func releaseResources(of session: DomainSession, domain: DomainID) {
    var session = session
    if session.suspendChannel != nil { releaseSuspendChannel(of: &session, domain: domain) }
    releaseControlWatch(of: &session)
    if session.holdsSuspendLock {
      do {
        try host.releaseSuspendLock(for: domain)
      } catch {
        logger.warning("could not release the suspend lock", metadata: ["domain": "\(domain)", "error": "\(error)"])
      }
    }
  }

  /// Withdraws the session's suspend subscription (`XEN_DOMCTL_subscribe` with port 0) and unbinds its port. A
  /// domain that is gone needs no unsubscribing; any other failure is logged (the next suspend on a path that
  /// waits for `@releaseDomain` clears the subscription again before it asks the guest).
  func releaseSuspendChannel(of session: inout DomainSession, domain: DomainID) {
    guard let channel = session.suspendChannel else { return }
    session.suspendChannel = nil
    do {
      try host.subscribeForSuspend(domain, port: Self.noSuspendSubscription)
    } catch let error as XenCallError where error.errno == .noSuchProcess {
      // Gone: its subscription went with it.
    } catch {
      logger.warning(
        "could not withdraw the suspend subscription", metadata: ["domain": "\(domain)", "error": "\(error)"])
    }
    unbindQuietly(channel.local, domain: domain)
  }

  /// Removes the session's kept `control/shutdown` watch. A watch already gone (its xenstored connection was lost)
  /// needs nothing; any other failure is logged, as nothing else can be done about it.
  func releaseControlWatch(of session: inout DomainSession) {
    guard let watch = session.controlWatch?.watch else { return }
    session.controlWatch = nil
    do {
      try host.unwatch(watch)
    } catch let error as XenCallError where error.errno == .noSuchFileOrDirectory {
      // Already gone.
    } catch {
      logger.warning(
        "could not remove the control node watch",
        metadata: ["domain": "\(session.plan.domain)", "error": "\(error)"])
    }
  }

  /// Unbinds a local port, logging a failure (nothing else can be done about it).
  func unbindQuietly(_ port: EventChannelPort, domain: DomainID) {
    do {
      try host.unbind(port)
    } catch {
      logger.warning(
        "could not unbind the suspend event channel", metadata: ["domain": "\(domain)", "error": "\(error)"])
    }
  }

  /// Turns host errors into `SuspendResumeError`, reading the domain's state for the message when it can.
  func translate(_ error: any Error, domain: DomainID, undone: String? = nil) -> any Error {
    switch error {
    case let error as SuspendResumeError:
      return error
    case let error as XenCallError:
      if error.errno == .noSuchProcess && (error.domain == domain || error.domain == nil) {
        forgetQuietly(domain)
        return SuspendResumeError.domainNotFound(domain)
      }
      return SuspendResumeError.hostCall(error, state: currentState(of: domain), undone: undone)
    default:
      return error
    }
  }

  func currentState(of domain: DomainID) -> DomainState? {
    do {
      return DomainState(try host.domainInfo(domain))
    } catch let error as XenCallError where error.errno == .noSuchProcess {
      return .gone
    } catch {
      return nil
    }
  }

  private func forgetQuietly(_ domain: DomainID) {
    let session = state.withLock { $0.sessions.removeValue(forKey: domain) }
    if let session { releaseResources(of: session, domain: domain) }
    noLongerSuspended(domain)
  }

  /// Takes a domain out of the suspended-domains meter if it is counted there: resumed, forgotten, gone, or
  /// found resumed by someone else.
  func noLongerSuspended(_ domain: DomainID) {
    guard let metrics else { return }
    if state.withLock({ $0.countedAsSuspended.remove(domain) != nil }) { metrics.suspendedDomains.decrement() }
  }
}
