import Synchronization
import SystemPackage
@_spi(XenHostBackends) import XenResumeCore

/// A Xen host without Xen: a hypervisor, xenstored, event channels and guest models that keep Xen 4.17's rules (or
/// Xen 4.20's where they differ, with `release: .xen4_20`), so that suspend and resume code can be tested, and wrong
/// sequences caught, without a real dom0.
///
/// ```swift
/// let host = SimulatedXenHost()
/// let web = host.createDomain(.pv(width: .bits64, vcpus: 2))
/// let info = try host.domainInfo(web)      // what Xen reports
/// let guest = host.observations(of: web)   // what the guest itself experienced
/// ```
///
/// Domain 0 exists from the start: it is the toolstack domain every `XenHost` call comes from, and has no guest
/// model. Guests get ids from 1 upward. By default guests react synchronously inside the call that triggers them
/// (a write of "suspend" returns with the guest already suspended); give reaction delays to have them react later,
/// on the clock passed to `init(clock:reactionDelays:release:)`.
///
/// Every failure is a `XenCallError` carrying the errno Xen, xenstored or the kernel driver would give. All calls
/// are thread-safe: the whole machine is one value behind one lock, and waiting tasks are resumed outside it.
public final class SimulatedXenHost: XenHost, Sendable {
  let state: Mutex<SimulatorState>
  let scheduler: ReactionScheduler
  /// Delayed guest reactions scheduled and not yet performed (`pendingReactionCount`).
  let reactionsPending = Atomic<Int>(0)
  /// Where `injectFault(_:onCall:errno:domain:)` keeps its faults. Registered with `callObservers` at the first
  /// injection only: while a host has no observer its calls skip the notifications altogether.
  let faultInjector = HostCallFaultInjector()
  let faultInjectorRegistered = Atomic<Bool>(false)

  /// The observers notified around every `XenHost` call, the simulator's own fault injector among them once a fault
  /// was injected.
  public let callObservers = HostCallObservers()

  /// The Xen release this host plays (`SimulatedXenRelease`).
  public let release: SimulatedXenRelease

  /// Creates a host with only domain 0.
  ///
  /// - Parameters:
  ///   - clock: the clock delayed guest reactions are scheduled on (a `TestClock` lets a test decide when they
  ///     happen).
  ///   - reactionDelays: how long guests take to acknowledge a request and to suspend, unless set per guest with
  ///     `setReactionDelays(_:for:)`. `.immediate` by default.
  ///   - release: the Xen release whose rules apply where releases differ: `.xen4_17` by default (what
  ///     `Tests/RealXen` measures), `.xen4_20` for the errno of a refused vcpu_info re-registration (EBUSY).
  public init(
    clock: some Clock<Duration> = ContinuousClock(),
    reactionDelays: GuestReactionDelays = .immediate,
    release: SimulatedXenRelease = .xen4_17
  ) {
    self.release = release
    state = Mutex(SimulatorState(reactionDelays: reactionDelays, release: release))
    scheduler = ReactionScheduler(clock: clock)
  }

  // MARK: Domains

  /// Creates and boots a guest, as `xl create` would: Xen's domain, its xenstore home written by "the toolstack at
  /// creation" (as libxl does), and the guest's own start-up writes (`control/feature-suspend`, its network
  /// frontend's state, its suspend event channel port when it has one).
  ///
  /// - Parameters:
  ///   - guest: the guest's type, kernel and behaviour.
  ///   - name: the guest's name, written to `/local/domain/<id>/name` as libxl writes a guest config's `name`; `nil`
  ///     gives `simulated-<id>`. Names need not be unique: libxl refuses a duplicate, but a toolstack reading names
  ///     must still cope with one (another toolstack, or a rename, can make two).
  /// - Returns: the new domain's id.
  @discardableResult
  public func createDomain(_ guest: SimulatedGuest, name: String? = nil) -> DomainID {
    mutate { $0.createDomain(guest, name: name) }
  }

  /// Creates and boots a guest under a chosen id, as Xen allows a toolstack to ask for (`xl restore` of an image
  /// saved with `-D`, `domid_policy="random"`, or Xen's rover coming round): how a long-lived controller meets a
  /// new domain with a destroyed one's id. The new domain has its own handle and starts with no CPU time.
  ///
  /// Throws `XenCallError` (`xc_domain_create`) with EEXIST while the id is in use, EINVAL for domain 0 and ids
  /// beyond `DomainID.maximumGuestID`.
  @discardableResult
  public func createDomain(_ guest: SimulatedGuest, reusing id: DomainID) throws -> DomainID {
    try mutate(call: "xc_domain_create", domain: id) { try $0.createDomain(guest, requestedID: id) }
    return id
  }

  /// Destroys a domain (`xl destroy`): it becomes dying, its event channels close, its xenstore home is removed and
  /// `@releaseDomain` fires. Unless `lingering`, it is then gone (ESRCH from then on); with `lingering` it stays
  /// visible as dying until destroyed again.
  ///
  /// Throws `XenCallError` (`xc_domain_destroy`) with ESRCH for a missing domain and EINVAL for domain 0.
  public func destroyDomain(_ domain: DomainID, lingering: Bool = false) throws {
    try mutate(call: "xc_domain_destroy", domain: domain) { try $0.destroyDomain(domain, lingering: lingering) }
  }

  /// Pauses a domain (`xc_domain_pause`), counting pauses; the guest reacts to nothing until unpaused, whatever its
  /// shutdown state. EINVAL for domain 0, ESRCH for a missing domain. A `XenHost` call: traced and fault-injectable.
  public func pauseDomain(_ domain: DomainID) throws {
    try call(.pauseDomain, domain: domain, { .none }, result: { .none }) { try $0.pauseDomain(domain) }
  }

  /// Undoes one pause (`xc_domain_unpause`); EINVAL when the domain is not paused, ESRCH for a missing domain. When
  /// the last pause goes and the domain is not shut down, the guest runs: a guest stopped in its suspend hypercall
  /// (after a soft reset) wakes then. A `XenHost` call: traced and fault-injectable.
  public func unpauseDomain(_ domain: DomainID) throws {
    try call(.unpauseDomain, domain: domain, { .none }, result: { .none }) { try $0.unpauseDomain(domain) }
  }

  /// The ids of every existing domain, domain 0 included, in order: a management look that is neither traced nor
  /// fault-injectable, unlike the `XenHost` call `domains()`.
  public func domainIDs() -> [DomainID] {
    state.withLock { $0.domains.keys.sorted() }
  }

  /// The description a domain was created from; `nil` for domain 0 and missing domains.
  public func guest(of domain: DomainID) -> SimulatedGuest? {
    state.withLock { $0.domains[domain]?.guest }
  }

  /// What the guest in a domain experienced. Empty observations for domain 0 and for domains that do not exist
  /// (read them before destroying a domain).
  public func observations(of domain: DomainID) -> GuestObservations {
    state.withLock { $0.observations(of: domain) }
  }

  // MARK: Reaction timing

  /// The reaction delays of guests that have none of their own.
  public var reactionDelays: GuestReactionDelays {
    get { state.withLock { $0.defaultReactionDelays } }
    set { state.withLock { $0.defaultReactionDelays = newValue } }
  }

  /// Gives one guest its own reaction delays (`nil`: the host's again).
  public func setReactionDelays(_ delays: GuestReactionDelays?, for domain: DomainID) {
    state.withLock { $0.domains[domain]?.reactionDelays = delays }
  }

  /// Sets what an HVM container's guest reports in `HVM_PARAM_ACPI_S_STATE` (3 while it sleeps in S3), as the
  /// guest's firmware would. EINVAL for PV domains, ESRCH for missing ones.
  public func setACPISleepState(_ sleepState: UInt64, of domain: DomainID) throws {
    try mutate(call: "hvm_set_param(HVM_PARAM_ACPI_S_STATE)", domain: domain) { state in
      guard try state.existingDomain(domain).type.isHVMContainer else { throw Errno.invalidArgument }
      state.domains[domain]?.hvmParameters[HVMParameter.acpiSleepState.rawValue] = sleepState
    }
  }

  // MARK: Running calls

  /// Runs one `XenHost` call: the observers first (an injected fault fails the call before it has any effect), then
  /// the call, the trace, and the guest reactions it triggered, all under the lock; waiting tasks are resumed and
  /// delayed reactions scheduled after it, and the observers hear the outcome last.
  func call<Value: Sendable>(
    _ operation: XenHostOperation,
    domain: DomainID?,
    _ arguments: () -> HostCallArguments,
    result: (Value) -> HostCallResult,
    _ body: (inout SimulatorState) throws -> Value
  ) throws -> Value {
    try refuseInjected(operation, domain: domain, arguments)
    let (outcome, effects) = state.withLock { state -> (Result<Value, XenCallError>, PendingEffects) in
      let outcome: Result<Value, XenCallError>
      do {
        let value = try body(&state)
        state.record(operation, domain: domain, arguments, .succeeded(result(value)))
        outcome = .success(value)
      } catch {
        let failure = error as? ExplainedErrno
        let errno = failure?.errno ?? (error as? Errno) ?? .ioError
        state.record(operation, domain: domain, arguments, .failed(errno, injected: false))
        outcome = .failure(XenCallError(operation, domain: domain, errno: errno, hint: failure?.hint))
      }
      state.runGuestWork()
      return (outcome, state.takeEffects())
    }
    apply(effects)
    if case .failure(let error) = outcome {
      callObservers.didCall(operation, domain: domain, failure: error)
      throw error
    }
    callObservers.didCall(operation, domain: domain, failure: nil)
    return try outcome.get()
  }

  /// An errno a call's rules throw with what it is about, which the call's `XenCallError` carries as its hint (e.g.
  /// the frame of a batch that did not map).
  struct ExplainedErrno: Error {
    let errno: Errno
    let hint: String
  }

  /// Asks the observers whether the call may go ahead; a refusal (an injected fault) is traced as injected and
  /// reported to the observers, and the call then has no effect.
  private func refuseInjected(
    _ operation: XenHostOperation, domain: DomainID?, _ arguments: () -> HostCallArguments
  ) throws(XenCallError) {
    do {
      try callObservers.willCall(operation, domain: domain)
    } catch {
      state.withLock { $0.record(operation, domain: domain, arguments, .failed(error.errno, injected: true)) }
      callObservers.didCall(operation, domain: domain, failure: error)
      throw error
    }
  }

  /// Runs a management call (not a `XenHost` call: not traced, no faults).
  private func mutate<Value: Sendable>(
    call: String = "", domain: DomainID? = nil, _ body: (inout SimulatorState) throws -> Value
  ) throws -> Value {
    let (outcome, effects) = state.withLock { state -> (Result<Value, XenCallError>, PendingEffects) in
      let outcome: Result<Value, XenCallError>
      do {
        outcome = .success(try body(&state))
      } catch {
        outcome = .failure(XenCallError(call: call, domain: domain, errno: (error as? Errno) ?? .ioError))
      }
      state.runGuestWork()
      return (outcome, state.takeEffects())
    }
    apply(effects)
    return try outcome.get()
  }

  private func mutate<Value: Sendable>(_ body: (inout SimulatorState) -> Value) -> Value {
    let (value, effects) = state.withLock { state -> (Value, PendingEffects) in
      let value = body(&state)
      state.runGuestWork()
      return (value, state.takeEffects())
    }
    apply(effects)
    return value
  }

  /// Resumes waiting tasks and schedules delayed guest reactions, outside the lock.
  func apply(_ effects: PendingEffects) {
    if effects.isEmpty { return }
    effects.watchResumptions.resumeAll()
    effects.portResumptions.resumeAll()
    for (delay, work) in effects.scheduledWork {
      reactionsPending.add(1, ordering: .relaxed)
      scheduler.schedule(after: delay) { [weak self] in
        guard let self else { return }
        runScheduled(work)
        // After the reaction's own effects, so a caller who sees 0 sees every reaction it waited for done.
        reactionsPending.subtract(1, ordering: .releasing)
      }
    }
  }

  private func runScheduled(_ work: GuestWork) {
    let effects = state.withLock { state in
      state.perform(work)
      state.runGuestWork()
      return state.takeEffects()
    }
    apply(effects)
  }

  /// Runs an `async` `XenHost` wait: a value ready now is returned at once; otherwise the task parks until
  /// `deliver`/`signal` resumes it, or its cancellation does (with `CancellationError`, leaving the watch or port
  /// usable). The check and the parking are one step of the machine, both under its lock, through the package's
  /// waiting primitive (`Mutex.wait(for:)`); `SimulatorWait` keeps the trace.
  func wait<Wait: SimulatorWait>(_ wait: Wait) async throws -> Wait.Output {
    if Task.isCancelled {
      state.withLock { $0.record(Wait.operation, domain: nil, { wait.arguments }, .cancelled) }
      callObservers.didCall(Wait.operation, domain: nil, failure: CancellationError())
      throw CancellationError()
    }
    try refuseInjected(Wait.operation, domain: nil, { wait.arguments })
    do {
      let value = try await state.wait(for: wait)
      callObservers.didCall(Wait.operation, domain: nil, failure: nil)
      return value
    } catch {
      callObservers.didCall(Wait.operation, domain: nil, failure: error)
      throw error
    }
  }
}
