import Synchronization
import SystemPackage
@_spi(XenHostBackends) import XenResumeCore

/// A `XenHost` that answers at once with valid results, so that a benchmark over it measures the controller's own
/// cost and nothing else.
///
/// Every guest is cooperative and infinitely fast: it suspends the moment it is asked (an event on its suspend
/// event channel, `suspend` written to `control/shutdown`, or `xc_domain_shutdown`), and Xen then signals the
/// subscribed port or fires `@releaseDomain` as the real hypervisor and xenstored would. Hot paths neither allocate
/// nor copy: vcpu contexts and guest pages are made once per domain and handed out by reference count.
///
/// It keeps the rules of `XenHostConformance`'s suite (`swift test` runs the suite over it): resuming a running
/// domain changes nothing, XS_RESUME re-arms `@releaseDomain`, a subscribed suspend port replaces it for suspends,
/// transactions are isolated and conflict with EAGAIN, missing domains are ESRCH, watch events name the changed node.
/// Beyond the three nodes a guest has (`control/shutdown`, `control/feature-suspend`,
/// `device/suspend/event-channel`), which the hot paths reach without a table, xenstore is a plain dictionary.
///
/// Where Xen is lenient only because a toolstack must know better, it is strict, so that a wrong sequence fails a
/// benchmark instead of being measured: writing a vcpu context or guest memory of a domain that is not suspended,
/// fast-resuming a guest that was stopped outside its suspend hypercall, a slow resume of a PV guest whose
/// start_info still holds guest frame numbers or whose secondary vcpus were not reset, a notification on an unbound
/// port, and releasing a suspend lock nobody holds all throw `XenCallError` with a hint naming the mistake.
///
/// Its two waits (`nextWatchEvent`, `waitForEvent`) are the one place that does not use the library's waiting
/// primitive (`XenResumeCore/Waiting`): that primitive has `package` access, so that it can change with its four
/// users inside the library, and this package is outside it. Each wait here is one watch or one port with at most
/// one waiter, parked with an unsafe continuation (no canary allocation, which the benchmark would otherwise count
/// as the controller's), so the hand-written park and cancel are a few lines, in `NullWatch.swift` and
/// `NullHostState.swift`, checked by the conformance suite's watch and event-channel rules.
///
/// The class, its guests and its choke point are here; the calls are in `NullXenHost+Domains.swift`,
/// `+GuestState.swift`, `+XenStore.swift` and `+EventChannels.swift`, the state they share in `NullHostState.swift`.
public final class NullXenHost: XenHost {
  /// A guest to create.
  public struct Guest: Sendable, Hashable {
    /// What Xen reports it as.
    public var type: GuestType
    /// Its vcpu context width: its own for PV, the host's (64-bit) for HVM containers.
    public var width: GuestWidth
    /// How many vcpus it has; a slow PV resume resets every one but vcpu0.
    public var vcpus: Int
    /// Whether it advertises a suspend event channel in `device/suspend/event-channel`.
    public var suspendEventChannel: Bool

    /// A PV guest.
    public static func pv(width: GuestWidth = .bits64, vcpus: Int = 2, suspendEventChannel: Bool = false) -> Guest {
      Guest(type: .pv, width: width, vcpus: vcpus, suspendEventChannel: suspendEventChannel)
    }

    /// An HVM guest with PV drivers (`HVM_PARAM_CALLBACK_IRQ` = 1, as Linux sets it).
    public static func pvhvm(vcpus: Int = 2, suspendEventChannel: Bool = false) -> Guest {
      Guest(type: .pvhvm, width: .bits64, vcpus: vcpus, suspendEventChannel: suspendEventChannel)
    }

    /// An HVM guest without PV drivers: it only suspends through `xc_domain_shutdown`.
    public static func hvm(vcpus: Int = 2) -> Guest {
      Guest(type: .hvm, width: .bits64, vcpus: vcpus, suspendEventChannel: false)
    }

    /// A PVH guest that advertises `control/feature-suspend`.
    public static func pvh(vcpus: Int = 2, suspendEventChannel: Bool = false) -> Guest {
      Guest(type: .pvh, width: .bits64, vcpus: vcpus, suspendEventChannel: suspendEventChannel)
    }
  }

  let state = Mutex(NullHostState())
  private let calls = Atomic<Int>(0)

  /// The observers notified around every call, at the one choke point every call passes (`observed`). With none
  /// registered, as in the benchmarks, a call pays one atomic load for them and nothing else.
  public let callObservers = HostCallObservers()

  /// An empty host: only dom0, where the toolstack runs.
  public init() {}

  /// Creates a running domain and returns its id (1, 2, 3, … in creation order).
  @discardableResult
  public func createDomain(_ guest: Guest) -> DomainID {
    precondition(guest.vcpus >= 1, "a domain has at least one vcpu")
    return state.withLock { state in
      let index = state.domains.count
      state.domains.append(NullDomain(index: index, guest: guest))
      return NullDomain.domainID(of: index)
    }
  }

  /// Every host call made so far. Counted here as well as by observers, so a benchmark can report calls per cycle
  /// without registering one (which would cost a lock per call).
  public var totalCalls: Int { calls.load(ordering: .relaxed) }

  /// Xen's view of a domain's state, for tests; `nil` for a domain that was never created.
  public func state(of domain: DomainID) -> DomainState? {
    state.withLock { state in
      state.index(of: domain).map { DomainState(state.domains[$0].info) }
    }
  }

  /// How the domain's resumes went, as its guest saw them, for tests.
  public func resumes(of domain: DomainID) -> ResumeCounts {
    state.withLock { state in
      state.index(of: domain).map { state.domains[$0].resumes } ?? ResumeCounts()
    }
  }

  // MARK: The choke point

  /// Runs one `XenHost` call: counts it, and tells the observers (who may refuse it) when there are any.
  @inline(__always)
  func observed<Value>(
    _ operation: XenHostOperation, _ domain: DomainID?, _ body: () throws -> Value
  ) throws -> Value {
    calls.add(1, ordering: .relaxed)
    if callObservers.isEmpty { return try body() }
    return try callObservers.observe(operation, domain: domain, body)
  }

  /// `observed(_:_:_:)` for the two waits.
  @inline(__always)
  func observed<Value>(
    _ operation: XenHostOperation, _ domain: DomainID?, _ body: () async throws -> Value
  ) async throws -> Value {
    calls.add(1, ordering: .relaxed)
    if callObservers.isEmpty { return try await body() }
    return try await callObservers.observe(operation, domain: domain, body)
  }

  /// The error for a call the controller should never make; EINVAL, with the reason in the hint.
  static func mistake(_ operation: XenHostOperation, _ domain: DomainID?, _ why: String) -> XenCallError {
    XenCallError(operation, domain: domain, errno: .invalidArgument, hint: "NullXenHost: \(why)")
  }
}

/// The value a toolstack writes to `control/shutdown` to ask for a suspend.
enum SuspendRequest {
  static let value = "suspend"
}
