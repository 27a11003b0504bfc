import SystemPackage
import XenResumeCore

/// What tests use to look inside the simulator and to make things go wrong.
extension SimulatedXenHost {
  // MARK: Trace

  /// The most recent `XenHost` calls, oldest first: a ring of `traceCapacity` entries (4096 by default), so that
  /// long runs do not grow. Tracing is on by default and cheap (values only; summaries are formatted when read);
  /// switch it off with `isTracingEnabled` for benchmarks.
  public var trace: [HostCallRecord] {
    state.withLock { Array($0.trace.records) }
  }

  /// Forgets the recorded calls (sequence numbers keep counting).
  public func clearTrace() {
    state.withLock { $0.trace.clear() }
  }

  /// Whether calls are recorded.
  public var isTracingEnabled: Bool {
    get { state.withLock { $0.trace.isEnabled } }
    set { state.withLock { $0.trace.isEnabled = newValue } }
  }

  /// How many calls the trace keeps (at least 1); lowering it drops the oldest.
  public var traceCapacity: Int {
    get { state.withLock { $0.trace.capacity } }
    set { state.withLock { $0.trace.setCapacity(newValue) } }
  }

  // MARK: Fault injection

  /// Makes the `call`-th call of an operation, counted from now (and only among calls about `domain`, when given),
  /// fail with `errno` once, before it has any effect. Several faults may be pending at once.
  public func injectFault(_ operation: XenHostOperation, onCall call: Int = 1, errno: Errno, domain: DomainID? = nil) {
    faultInjector.inject(operation, onCall: call, errno: errno, domain: domain)
    if !faultInjectorRegistered.exchange(true, ordering: .acquiringAndReleasing) {
      callObservers.add(faultInjector)
    }
  }

  /// Forgets every fault not yet triggered.
  public func removeAllFaults() {
    faultInjector.removeAll()
  }

  /// Faults injected and not yet triggered.
  public var pendingFaultCount: Int {
    faultInjector.count
  }

  // MARK: Suspend locks

  /// Simulates another process (another toolstack) taking a domain's suspend lock; false when it is already held.
  @discardableResult
  public func holdSuspendLockInAnotherProcess(for domain: DomainID) -> Bool {
    state.withLock { $0.suspendLocks.holdInAnotherProcess(domain) }
  }

  /// The other process releases the lock it took with `holdSuspendLockInAnotherProcess(for:)`.
  public func releaseSuspendLockOfAnotherProcess(for domain: DomainID) {
    state.withLock { $0.suspendLocks.releaseFromAnotherProcess(domain) }
  }

  /// What Xen reports about the domain's state (`.gone` when it does not exist), read without a `XenHost` call: not
  /// traced, never failed by an injected fault, and not counted as a look at the domain. For checks that must not
  /// disturb the calls under test.
  public func domainState(of domain: DomainID) -> DomainState {
    state.withLock { state in
      guard let info = try? state.existingDomain(domain).info() else { return .gone }
      return DomainState(info)
    }
  }

  /// Who holds a domain's suspend lock, if anyone.
  public func suspendLockHolder(for domain: DomainID) -> SuspendLockHolder? {
    state.withLock { $0.suspendLocks.holders[domain] }
  }

  // MARK: Leak checks

  /// xenstore transactions started and not ended.
  public var openTransactionCount: Int {
    state.withLock { $0.store.openTransactionCount }
  }

  /// Registered watches.
  public var watchCount: Int {
    state.withLock { $0.watches.count }
  }

  /// Local event channel ports bound and not unbound.
  public var boundPortCount: Int {
    state.withLock { $0.eventChannels.count }
  }

  /// Local event channel ports bound to a port of `domain` and not unbound (a port whose remote end closed, because
  /// the domain died, no longer counts: Xen no longer ties it to the domain).
  public func boundPortCount(to domain: DomainID) -> Int {
    state.withLock { $0.eventChannels.ports.values.count { $0.remote?.domain == domain } }
  }

  /// The vcpus of `domain` for which Xen holds a vcpu_info registration (`VCPUOP_register_vcpu_info`): every vcpu
  /// of a Linux guest once it booted, none after `XEN_DOMCTL_soft_reset` until the guest registers them again.
  /// 0 for a missing domain.
  public func registeredVCPUInfoCount(of domain: DomainID) -> Int {
    state.withLock { $0.domains[domain]?.vcpus.count(where: \.hasRegisteredVCPUInfo) ?? 0 }
  }

  /// Watches registered on exactly `path`.
  public func watchCount(on path: String) -> Int {
    state.withLock { $0.watches.watches(on: path).count }
  }

  /// The local port the domain's suspend is reported on (`subscribeForSuspend`), or `nil` when it has no
  /// subscription (or does not exist): a subscription left behind silences `@releaseDomain` for its suspends.
  public func suspendSubscription(of domain: DomainID) -> EventChannelPort? {
    state.withLock { state in
      guard let port = state.domains[domain]?.subscribedSuspendPort, port != 0 else { return nil }
      return EventChannelPort(rawValue: port)
    }
  }

  /// Events queued for a watch and not yet read with `nextWatchEvent`; `nil` for an unknown watch. Lets a test check
  /// that something did *not* fire without waiting.
  public func queuedEventCount(of watch: XenStoreWatchID) -> Int? {
    state.withLock { $0.watches.queuedEventCount(of: watch) }
  }

  /// Tasks currently waiting in `nextWatchEvent` or `waitForEvent`.
  public var waitingTaskCount: Int {
    state.withLock { $0.watchWaiters.count + $0.portWaiters.count }
  }

  /// Delayed guest reactions (`GuestReactionDelays`) scheduled on the host's clock and not yet performed, including
  /// the reactions they scheduled in turn. With a `TestClock`, a test advances the clock and then waits for this to
  /// reach 0 to know the guests have done what the new time allows, instead of waiting for a while.
  public var pendingReactionCount: Int {
    reactionsPending.load(ordering: .acquiring)
  }

  /// What the machine's waits and delayed reactions are doing now, for tests that step a `TestClock` only while
  /// everything is parked (see `ControllerWaitSnapshot`). Read twice: equal readings describe one moment.
  package var waitSnapshot: SimulatorWaitSnapshot {
    let (parked, changes) = state.withLock {
      ($0.watchWaiters.count + $0.portWaiters.count, $0.watchWaiters.changes &+ $0.portWaiters.changes)
    }
    let reactions = scheduler.due
    return SimulatorWaitSnapshot(
      parkedTasks: parked, dueReactions: reactions.due, changes: changes &+ reactions.changes)
  }

  // MARK: xenstore as a guest sees it

  /// A node's permission list (there is no `XenHost` call for it); `nil` when the node does not exist.
  public func xenStorePermissions(of path: String) -> [XenStorePermission]? {
    state.withLock { $0.store.permissions(of: path) }
  }

  /// Reads a node as a guest would, with its permissions: EACCES when the guest may not read it. These guest-side
  /// calls are not `XenHost` calls: they are not traced, and fail with ESRCH for domain 0 and missing domains.
  public func readAsGuest(_ path: String, domain: DomainID) throws -> String? {
    try guestCall("xs_read", domain: domain) { try $0.guestRead(path, as: domain) }
  }

  /// Writes a node as a guest would (relative paths are relative to its home): EACCES when the guest may not.
  public func writeAsGuest(_ path: String, value: String, domain: DomainID) throws {
    try guestCall("xs_write", domain: domain) { try $0.guestWrite(path, value: value, as: domain) }
  }

  /// Removes a node as a guest would: EACCES when the guest may not.
  public func removeAsGuest(_ path: String, domain: DomainID) throws {
    try guestCall("xs_rm", domain: domain) { try $0.guestRemove(path, as: domain) }
  }

  private func guestCall<Value: Sendable>(
    _ name: String, domain: DomainID, _ body: (inout SimulatorState) throws -> Value
  ) throws -> Value {
    let (outcome, effects) = state.withLock { state -> (Result<Value, XenCallError>, PendingEffects) in
      let outcome: Result<Value, XenCallError>
      do {
        guard domain != .dom0, state.domains[domain] != nil else { throw Errno.noSuchProcess }
        outcome = .success(try body(&state))
      } catch {
        outcome = .failure(XenCallError(call: name, domain: domain, errno: (error as? Errno) ?? .ioError))
      }
      state.runGuestWork()
      return (outcome, state.takeEffects())
    }
    apply(effects)
    return try outcome.get()
  }
}

/// What a simulated machine's waits and delayed reactions are doing at one moment (`SimulatedXenHost.waitSnapshot`).
package struct SimulatorWaitSnapshot: Equatable, Sendable {
  /// Tasks parked in `nextWatchEvent` or `waitForEvent`.
  package var parkedTasks: Int
  /// Delayed guest reactions whose time has come on the host's clock and that have not finished running.
  package var dueReactions: Int
  /// A count that grows with every change to the above (but not with the clock).
  package var changes: UInt64
}
