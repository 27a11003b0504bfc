import Synchronization
import SystemPackage
import XenResumeCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A `XenHost` that answers at once with valid results, so that a benchmark over it measures the controller's own
/// cost and nothing else.
///
/// Every guest is cooperative and infinitely fast: it suspends the moment it is asked (an event on its suspend
/// event channel, `suspend` written to `control/shutdown`, or `xc_domain_shutdown`), and Xen then signals the
/// subscribed port or fires `@releaseDomain` as the real hypervisor and xenstored would. Hot paths neither allocate
/// nor copy: vcpu contexts and guest pages are made once per domain and handed out by reference count.
///
/// It is strict where real Xen is lenient, so that a wrong sequence fails a benchmark instead of being measured:
/// resuming, writing a vcpu context or guest memory of a domain that is not suspended, fast-resuming a guest that was
/// stopped outside its suspend hypercall, a slow resume of a PV guest whose start_info still holds guest frame
/// numbers or whose secondary vcpus were not reset, `XS_RESUME` before `XEN_DOMCTL_resumedomain`, a notification on
/// an unbound port, and a second suspend lock all throw `XenCallError` with a hint naming the mistake.
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

  private let state = Mutex(NullHostState())
  private let calls = Atomic<Int>(0)

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

  /// Every host call made so far. Counted here as well as by `CountingXenHost`, so a benchmark can report calls per
  /// cycle without paying for a second lock per call.
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

  private func count() {
    calls.add(1, ordering: .relaxed)
  }

  // MARK: Domains

  /// dom0.
  public func toolstackDomain() throws -> DomainID {
    count()
    return .dom0
  }

  /// The domain's current flags, vcpus and shared_info frame.
  public func domainInfo(_ domain: DomainID) throws -> DomainInfo {
    count()
    return try state.withLock { state in
      state.domains[try state.existing(domain, .domainInfo)].info
    }
  }

  /// `HVM_PARAM_CALLBACK_IRQ` (1 with PV drivers, 0 without) and `HVM_PARAM_ACPI_S_STATE` (always 0).
  public func hvmParameter(_ parameter: HVMParameter, of domain: DomainID) throws -> UInt64 {
    count()
    return try state.withLock { state in
      let guest = state.domains[try state.existing(domain, .hvmParameter)].guest
      guard guest.type.isHVMContainer else {
        throw NullXenHost.mistake(.hvmParameter, domain, "HVM parameters exist only for HVM containers")
      }
      switch parameter {
      case .callbackIRQ: return guest.type == .hvm ? 0 : 1
      default: return 0
      }
    }
  }

  /// The guest's width.
  public func guestWidth(of domain: DomainID) throws -> GuestWidth {
    count()
    return try state.withLock { state in
      state.domains[try state.existing(domain, .guestWidth)].guest.width
    }
  }

  /// 64-bit.
  public func hostWidth() throws -> GuestWidth {
    count()
    return .bits64
  }

  /// Stops the domain wherever its vcpus are (for suspend: outside its suspend hypercall) and fires
  /// `@releaseDomain`.
  public func shutdownDomain(_ domain: DomainID, reason: ShutdownReason) throws {
    count()
    let woken = try state.withLock { state -> Wakeups in
      let index = try state.existing(domain, .shutdownDomain)
      guard case .running = state.domains[index].phase else { return Wakeups() }
      state.domains[index].phase = .shutDown(reason, insideSuspendHypercall: false)
      return state.fireReleaseDomain(for: index)
    }
    woken.resume()
  }

  /// Lets a suspended domain run again. A cooperative guest reads its return register: 1 carries on, 0 starts over
  /// as a new domain and needs its start_info frames translated and its secondary vcpus reset.
  public func resumeDomain(_ domain: DomainID) throws {
    count()
    try state.withLock { state in
      let index = try state.existing(domain, .resumeDomain)
      try state.domains[index].resume()
    }
  }

  // MARK: vcpus

  /// The stored context; no copy is made.
  public func vcpuContext(of domain: DomainID, vcpu: UInt32, width: GuestWidth) throws -> VCPUContext {
    count()
    return try state.withLock { state in
      let index = try state.existing(domain, .vcpuContext)
      let context = try state.domains[index].context(vcpu, .vcpuContext)
      guard context.width == width else {
        throw NullXenHost.mistake(.vcpuContext, domain, "asked for a \(width) context of a \(context.width) guest")
      }
      return context
    }
  }

  /// Replaces a suspended guest's context; refuses a running guest and a guest stopped outside its hypercall.
  public func setVCPUContext(_ context: VCPUContext, of domain: DomainID, vcpu: UInt32) throws {
    count()
    try state.withLock { state in
      let index = try state.existing(domain, .setVCPUContext)
      try state.domains[index].requireSuspended(.setVCPUContext, "writing a running guest's registers corrupts it")
      if vcpu == 0, case .shutDown(_, insideSuspendHypercall: false) = state.domains[index].phase {
        throw NullXenHost.mistake(
          .setVCPUContext, domain, "vcpu0 was stopped by xc_domain_shutdown, not in its suspend hypercall")
      }
      let current = try state.domains[index].context(vcpu, .setVCPUContext)
      guard current.width == context.width else {
        throw NullXenHost.mistake(.setVCPUContext, domain, "a \(context.width) context for a \(current.width) guest")
      }
      state.domains[index].contexts[Int(vcpu)] = context
    }
  }

  /// Resets a secondary vcpu of a suspended guest.
  public func resetVCPU(of domain: DomainID, vcpu: UInt32) throws {
    count()
    try state.withLock { state in
      let index = try state.existing(domain, .resetVCPU)
      try state.domains[index].requireSuspended(.resetVCPU, "resetting a running guest's vcpu")
      guard vcpu != 0 else { throw NullXenHost.mistake(.resetVCPU, domain, "vcpu0 is never reset") }
      _ = try state.domains[index].context(vcpu, .resetVCPU)
      state.domains[index].vcpuReset[Int(vcpu)] = true
    }
  }

  // MARK: Foreign memory

  /// Copies bytes out of one of the guest's pages (shared_info, the p2m frames, start_info).
  public func readGuestMemory(of domain: DomainID, frame: UInt64, offset: Int, count: Int) throws -> [UInt8] {
    self.count()
    return try state.withLock { state in
      let index = try state.existing(domain, .readGuestMemory)
      let page = try state.domains[index].page(frame, offset: offset, count: count, .readGuestMemory)
      return Array(state.domains[index].pages[page][offset..<offset + count])
    }
  }

  /// Writes into the guest's start_info page, the only page a resume may write, while it is suspended.
  public func writeGuestMemory(of domain: DomainID, frame: UInt64, offset: Int, bytes: [UInt8]) throws {
    count()
    try state.withLock { state in
      let index = try state.existing(domain, .writeGuestMemory)
      let page = try state.domains[index].page(frame, offset: offset, count: bytes.count, .writeGuestMemory)
      try state.domains[index].requireSuspended(.writeGuestMemory, "writing a running guest's memory")
      guard page == NullDomain.startInfoPage else {
        throw NullXenHost.mistake(.writeGuestMemory, domain, "a resume writes only start_info")
      }
      state.domains[index].pages[page].replaceSubrange(offset..<offset + bytes.count, with: bytes)
    }
  }

  // MARK: xenstore

  /// The three nodes the controller reads: `control/shutdown`, `control/feature-suspend` and
  /// `device/suspend/event-channel`; every other node reads as missing.
  public func read(_ path: String, transaction: XenStoreTransaction) throws -> String? {
    count()
    return try state.withLock { state in
      try state.requireTransaction(transaction, .read)
      guard let (index, node) = state.node(path) else { return nil }
      return state.domains[index].read(node)
    }
  }

  /// Stores the value; `suspend` on `control/shutdown` makes a PV-aware guest acknowledge ("") and suspend at once
  /// (when the write commits, inside a transaction).
  public func write(_ path: String, value: String, transaction: XenStoreTransaction) throws {
    count()
    let woken = try state.withLock { state -> Wakeups in
      try state.requireTransaction(transaction, .write)
      guard let (index, node) = state.node(path) else { return Wakeups() }
      state.domains[index].write(value, to: node)
      guard node == .controlShutdown, value == SuspendRequest.value else { return state.fireWatches(path) }
      if transaction == .none { return state.deliverSuspendRequest(to: index, path: path) }
      state.pendingRequests.append(PendingRequest(transaction: transaction, domainIndex: index, path: path))
      return Wakeups()
    }
    woken.resume()
  }

  /// Deletes the node.
  public func remove(_ path: String, transaction: XenStoreTransaction) throws {
    count()
    let woken = try state.withLock { state -> Wakeups in
      try state.requireTransaction(transaction, .remove)
      guard let (index, node) = state.node(path) else { return Wakeups() }
      state.domains[index].write(nil, to: node)
      return state.fireWatches(path)
    }
    woken.resume()
  }

  /// Accepted and ignored: the null guests always answer.
  public func setPermissions(
    _ path: String, _ permissions: [XenStorePermission], transaction: XenStoreTransaction
  ) throws {
    count()
    try state.withLock { state in try state.requireTransaction(transaction, .setPermissions) }
  }

  /// A new transaction id.
  public func startTransaction() throws -> XenStoreTransaction {
    count()
    return state.withLock { state in
      state.nextTransaction &+= 1
      let transaction = XenStoreTransaction(rawValue: state.nextTransaction)
      state.openTransactions.append(transaction)
      return transaction
    }
  }

  /// Ends a transaction; a committed suspend request reaches its guest now. Never conflicts.
  public func endTransaction(_ transaction: XenStoreTransaction, commit: Bool) throws {
    count()
    let woken = try state.withLock { state -> Wakeups in
      guard let open = state.openTransactions.firstIndex(of: transaction) else {
        throw NullXenHost.mistake(.endTransaction, nil, "transaction \(transaction.rawValue) is not open")
      }
      state.openTransactions.remove(at: open)
      var woken = Wakeups()
      while let pending = state.pendingRequests.firstIndex(where: { $0.transaction == transaction }) {
        let request = state.pendingRequests.remove(at: pending)
        if commit { woken.merge(state.deliverSuspendRequest(to: request.domainIndex, path: request.path)) }
      }
      return woken
    }
    woken.resume()
  }

  /// Registers a watch, which fires once at once as in xenstored.
  public func watch(_ path: String) throws -> XenStoreWatchID {
    count()
    return state.withLock { state in
      state.nextWatch &+= 1
      let id = XenStoreWatchID(rawValue: state.nextWatch)
      state.watches.append(NullWatch(id: id, path: path, pending: 1))
      return id
    }
  }

  /// Returns a queued event at once, otherwise suspends until one fires or the task is cancelled.
  public func nextWatchEvent(_ watch: XenStoreWatchID) async throws -> String {
    count()
    if let ready = try state.withLock({ state in try state.takeWatchEvent(watch, waiter: nil) }) { return ready }
    return try await withTaskCancellationHandler {
      // Unsafe rather than checked: a checked continuation allocates a canary on every wait.
      try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<String, any Error>) in
        let immediate: Result<String, any Error>?
        do {
          immediate = try state.withLock { state in
            try state.takeWatchEvent(watch, waiter: continuation).map { .success($0) }
          }
        } catch {
          immediate = .failure(error)
        }
        if let immediate { continuation.resume(with: immediate) }
      }
    } onCancel: {
      state.withLock { state in state.takeWatchWaiter(watch) }?.resume(throwing: CancellationError())
    }
  }

  /// Removes a watch; a waiter on it gets `CancellationError`.
  public func unwatch(_ watch: XenStoreWatchID) throws {
    count()
    let waiter = try state.withLock { state in
      guard let index = state.watches.firstIndex(where: { $0.id == watch }) else {
        throw NullXenHost.mistake(.unwatch, nil, "watch \(watch.rawValue) is not registered")
      }
      return state.watches.remove(at: index).waiter
    }
    waiter?.resume(throwing: CancellationError())
  }

  /// Re-arms `@releaseDomain` for a domain that runs again.
  public func resumeDomainInXenStore(_ domain: DomainID) throws {
    count()
    try state.withLock { state in
      let index = try state.existing(domain, .resumeDomainInXenStore)
      guard case .running = state.domains[index].phase else {
        throw NullXenHost.mistake(.resumeDomainInXenStore, domain, "XS_RESUME before XEN_DOMCTL_resumedomain")
      }
      state.domains[index].releaseDomainArmed = true
    }
  }

  // MARK: Event channels

  /// Binds the guest's advertised port; the new local port is pending once, as Xen leaves it.
  public func bindInterdomainEventChannel(to domain: DomainID, remotePort: EventChannelPort) throws
    -> EventChannelPort
  {
    count()
    return try state.withLock { state in
      let index = try state.existing(domain, .bindInterdomainEventChannel)
      guard state.domains[index].remotePort == remotePort else {
        throw NullXenHost.mistake(.bindInterdomainEventChannel, domain, "the guest has no port \(remotePort)")
      }
      guard state.domains[index].localPort == nil else {
        throw NullXenHost.mistake(.bindInterdomainEventChannel, domain, "its suspend port is already bound")
      }
      let local = NullDomain.localPort(of: index)
      state.domains[index].localPort = local
      state.domains[index].portPending = true
      return local
    }
  }

  /// Makes Xen signal the guest's suspend port, and so our bound local port, instead of firing `@releaseDomain`,
  /// when the domain suspends. As in libxenguest, `port` is the guest's own port.
  public func subscribeForSuspend(_ domain: DomainID, port: EventChannelPort) throws {
    count()
    try state.withLock { state in
      let index = try state.existing(domain, .subscribeForSuspend)
      guard state.domains[index].remotePort == port else {
        throw NullXenHost.mistake(.subscribeForSuspend, domain, "the guest has no port \(port)")
      }
      guard state.domains[index].localPort != nil else {
        throw NullXenHost.mistake(
          .subscribeForSuspend, domain, "nothing is bound to port \(port): no event would arrive")
      }
      state.domains[index].subscribed = true
    }
  }

  /// The guest suspends at once; Xen then signals the subscribed port.
  public func notify(_ port: EventChannelPort) throws {
    count()
    let woken = try state.withLock { state -> Wakeups in
      let index = try state.boundDomain(port, .notify)
      guard case .running = state.domains[index].phase else { return Wakeups() }
      state.domains[index].suspendCooperatively()
      return state.fireReleaseDomain(for: index)
    }
    woken.resume()
  }

  /// Consumes the port's pending event.
  public func consumePendingEvent(on port: EventChannelPort) throws -> Bool {
    count()
    return try state.withLock { state in
      let index = try state.boundDomain(port, .consumePendingEvent)
      defer { state.domains[index].portPending = false }
      return state.domains[index].portPending
    }
  }

  /// Returns at once when the port is pending, otherwise suspends until it fires or the task is cancelled.
  public func waitForEvent(on port: EventChannelPort) async throws {
    count()
    if try state.withLock({ state in try state.takePortEvent(port, waiter: nil) }) { return }
    try await withTaskCancellationHandler {
      try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
        let immediate: Result<Void, any Error>?
        do {
          let fired = try state.withLock { state in try state.takePortEvent(port, waiter: continuation) }
          immediate = fired ? .success(()) : nil
        } catch {
          immediate = .failure(error)
        }
        if let immediate { continuation.resume(with: immediate) }
      }
    } onCancel: {
      state.withLock { state in state.takePortWaiter(port) }?.resume(throwing: CancellationError())
    }
  }

  /// Unbinds the port; a waiter on it gets `CancellationError`.
  public func unbind(_ port: EventChannelPort) throws {
    count()
    let waiter = try state.withLock { state in
      let index = try state.boundDomain(port, .unbind)
      state.domains[index].localPort = nil
      state.domains[index].subscribed = false
      state.domains[index].portPending = false
      defer { state.domains[index].portWaiter = nil }
      return state.domains[index].portWaiter
    }
    waiter?.resume(throwing: CancellationError())
  }

  // MARK: Cross-process locking

  /// Takes the domain's suspend lock; EAGAIN when it is held.
  public func acquireSuspendLock(for domain: DomainID) throws {
    count()
    try state.withLock { state in
      let index = try state.existing(domain, .acquireSuspendLock)
      guard !state.domains[index].suspendLockHeld else {
        throw XenCallError(.acquireSuspendLock, domain: domain, errno: .resourceTemporarilyUnavailable)
      }
      state.domains[index].suspendLockHeld = true
    }
  }

  /// Releases the domain's suspend lock; releasing a lock nobody holds is a mistake.
  public func releaseSuspendLock(for domain: DomainID) throws {
    count()
    try state.withLock { state in
      let index = try state.existing(domain, .releaseSuspendLock)
      guard state.domains[index].suspendLockHeld else {
        throw NullXenHost.mistake(.releaseSuspendLock, domain, "the suspend lock is not held")
      }
      state.domains[index].suspendLockHeld = false
    }
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

/// Continuations to resume once the host's lock is released, so that no waiter runs while the lock is held.
///
/// Two inline slots for watch readers (the controller's `@releaseDomain` pump and a control node watch) keep the
/// hot path free of allocations; more readers than that spill into an array.
struct Wakeups {
  typealias WatchWaiter = (continuation: UnsafeContinuation<String, any Error>, path: String)

  private var firstWatch: WatchWaiter?
  private var secondWatch: WatchWaiter?
  private var moreWatches: [WatchWaiter] = []
  private var portWaiter: UnsafeContinuation<Void, any Error>?

  init() {}

  /// Plans resuming a watch reader with the path that fired.
  mutating func add(_ continuation: UnsafeContinuation<String, any Error>, path: String) {
    if firstWatch == nil {
      firstWatch = (continuation, path)
    } else if secondWatch == nil {
      secondWatch = (continuation, path)
    } else {
      moreWatches.append((continuation, path))
    }
  }

  /// Plans resuming an event channel waiter.
  mutating func add(_ continuation: UnsafeContinuation<Void, any Error>) {
    precondition(portWaiter == nil, "one port fires per host call")
    portWaiter = continuation
  }

  mutating func merge(_ other: Wakeups) {
    // Slot by slot: building an array of the other's waiters would allocate on every suspend.
    if let waiter = other.firstWatch { add(waiter.continuation, path: waiter.path) }
    if let waiter = other.secondWatch { add(waiter.continuation, path: waiter.path) }
    for waiter in other.moreWatches { add(waiter.continuation, path: waiter.path) }
    if let waiter = other.portWaiter { add(waiter) }
  }

  func resume() {
    firstWatch.map { $0.continuation.resume(returning: $0.path) }
    secondWatch.map { $0.continuation.resume(returning: $0.path) }
    for waiter in moreWatches { waiter.continuation.resume(returning: waiter.path) }
    portWaiter?.resume()
  }
}

/// A suspend request written inside a transaction, delivered to the guest when the transaction commits.
struct PendingRequest {
  let transaction: XenStoreTransaction
  let domainIndex: Int
  let path: String
}

/// A registered watch and the events queued on it.
struct NullWatch {
  let id: XenStoreWatchID
  let path: String
  var pending: Int
  var waiter: UnsafeContinuation<String, any Error>?

  init(id: XenStoreWatchID, path: String, pending: Int) {
    self.id = id
    self.path = path
    self.pending = pending
  }
}

/// Everything the host knows, behind one lock.
struct NullHostState {
  var domains: [NullDomain] = []
  var watches: [NullWatch] = []
  var openTransactions: [XenStoreTransaction] = []
  var pendingRequests: [PendingRequest] = []
  var nextTransaction: UInt32 = 0
  var nextWatch: UInt64 = 0

  init() {
    // Room for a long run's domains and a few watches, so that steady state never grows an array.
    domains.reserveCapacity(256)
    watches.reserveCapacity(8)
  }

  func index(of domain: DomainID) -> Int? {
    let index = Int(domain.rawValue) - 1
    return domains.indices.contains(index) ? index : nil
  }

  /// The domain's index; ESRCH for a domain that does not exist, as Xen answers.
  func existing(_ domain: DomainID, _ operation: XenHostOperation) throws -> Int {
    guard let index = index(of: domain) else {
      throw XenCallError(operation, domain: domain, errno: .noSuchProcess)
    }
    return index
  }

  func requireTransaction(_ transaction: XenStoreTransaction, _ operation: XenHostOperation) throws {
    guard transaction == .none || openTransactions.contains(transaction) else {
      throw NullXenHost.mistake(operation, nil, "transaction \(transaction.rawValue) is not open")
    }
  }

  /// The domain whose suspend port is bound to `port`.
  func boundDomain(_ port: EventChannelPort, _ operation: XenHostOperation) throws -> Int {
    guard let index = NullDomain.index(ofLocalPort: port), domains.indices.contains(index),
      domains[index].localPort == port
    else {
      throw NullXenHost.mistake(operation, nil, "port \(port) is not bound")
    }
    return index
  }

  /// Parses `/local/domain/<id>/<node>` for the nodes the null guests have, over the string's contiguous UTF-8
  /// bytes: no allocation, and no generic `String.UTF8View` walking, which showed up in profiles of the null host.
  func node(_ path: String) -> (Int, NullDomain.Node)? {
    let parsed = path.utf8.withContiguousStorageIfAvailable { bytes -> (UInt32, NullDomain.Node)? in
      let prefix: StaticString = "/local/domain/"
      guard bytes.count > prefix.utf8CodeUnitCount, Bytes.hasPrefix(bytes, prefix) else { return nil }
      var position = prefix.utf8CodeUnitCount
      var id: UInt32 = 0
      while position < bytes.count, position - prefix.utf8CodeUnitCount < 6, bytes[position] >= UInt8(ascii: "0"),
        bytes[position] <= UInt8(ascii: "9")
      {
        id = id * 10 + UInt32(bytes[position] - UInt8(ascii: "0"))
        position += 1
      }
      guard position > prefix.utf8CodeUnitCount, position < bytes.count, bytes[position] == UInt8(ascii: "/") else {
        return nil
      }
      let rest = UnsafeBufferPointer(rebasing: bytes[(position + 1)...])
      for node in NullDomain.Node.allCases where Bytes.equal(rest, node.relativePath) {
        return (id, node)
      }
      return nil
    }
    guard let (id, node) = parsed ?? nil, let index = index(of: DomainID(id)) else { return nil }
    return (index, node)
  }

  /// A guest sees `suspend` on its control node: a PV-aware guest acknowledges and suspends; a guest without PV
  /// drivers never looks.
  mutating func deliverSuspendRequest(to index: Int, path: String) -> Wakeups {
    var woken = fireWatches(path)
    guard domains[index].guest.type.isPVAware, case .running = domains[index].phase else { return woken }
    domains[index].write("", to: .controlShutdown)
    woken.merge(fireWatches(path))
    domains[index].suspendCooperatively()
    woken.merge(fireReleaseDomain(for: index))
    return woken
  }

  /// Xen signals a newly shut-down domain: its subscribed suspend port if it has one, otherwise `@releaseDomain`
  /// (once per shutdown, until `XS_RESUME` re-arms it).
  mutating func fireReleaseDomain(for index: Int) -> Wakeups {
    var woken = Wakeups()
    if domains[index].subscribed {
      if let waiter = domains[index].portWaiter {
        domains[index].portWaiter = nil
        woken.add(waiter)
      } else {
        domains[index].portPending = true
      }
      return woken
    }
    guard domains[index].releaseDomainArmed else { return woken }
    domains[index].releaseDomainArmed = false
    return fireWatches(XenStorePath.releaseDomain)
  }

  /// Queues an event on every watch of `path` or of one of its parents, or hands it to a waiting reader.
  mutating func fireWatches(_ path: String) -> Wakeups {
    var woken = Wakeups()
    for index in watches.indices where watches[index].covers(path) {
      if let waiter = watches[index].waiter {
        watches[index].waiter = nil
        woken.add(waiter, path: watches[index].path)
      } else {
        watches[index].pending += 1
      }
    }
    return woken
  }

  /// A queued event's path, or `nil` after parking `waiter` (when given) to wait for one.
  mutating func takeWatchEvent(_ watch: XenStoreWatchID, waiter: UnsafeContinuation<String, any Error>?) throws
    -> String?
  {
    guard let index = watches.firstIndex(where: { $0.id == watch }) else {
      throw NullXenHost.mistake(.nextWatchEvent, nil, "watch \(watch.rawValue) is not registered")
    }
    if watches[index].pending > 0 {
      watches[index].pending -= 1
      return watches[index].path
    }
    guard let waiter else { return nil }
    if Task.isCancelled { throw CancellationError() }
    guard watches[index].waiter == nil else {
      throw NullXenHost.mistake(.nextWatchEvent, nil, "two readers wait on watch \(watch.rawValue)")
    }
    watches[index].waiter = waiter
    return nil
  }

  mutating func takeWatchWaiter(_ watch: XenStoreWatchID) -> UnsafeContinuation<String, any Error>? {
    guard let index = watches.firstIndex(where: { $0.id == watch }) else { return nil }
    defer { watches[index].waiter = nil }
    return watches[index].waiter
  }

  /// Whether the port had fired (consuming it); otherwise parks `waiter` (when given) to wait.
  mutating func takePortEvent(_ port: EventChannelPort, waiter: UnsafeContinuation<Void, any Error>?) throws -> Bool {
    let index = try boundDomain(port, .waitForEvent)
    if domains[index].portPending {
      domains[index].portPending = false
      return true
    }
    guard let waiter else { return false }
    if Task.isCancelled { throw CancellationError() }
    guard domains[index].portWaiter == nil else {
      throw NullXenHost.mistake(.waitForEvent, nil, "two readers wait on port \(port)")
    }
    domains[index].portWaiter = waiter
    return false
  }

  mutating func takePortWaiter(_ port: EventChannelPort) -> UnsafeContinuation<Void, any Error>? {
    guard let index = NullDomain.index(ofLocalPort: port), domains.indices.contains(index) else { return nil }
    defer { domains[index].portWaiter = nil }
    return domains[index].portWaiter
  }
}

extension NullWatch {
  /// xenstored fires a watch for writes to its path and to anything below it; special paths match exactly.
  func covers(_ changed: String) -> Bool {
    let changedCount = changed.utf8.count
    let pathCount = path.utf8.count
    guard changedCount >= pathCount else { return false }
    let covered = changed.utf8.withContiguousStorageIfAvailable { changedBytes in
      path.utf8.withContiguousStorageIfAvailable { pathBytes in
        guard memcmp(changedBytes.baseAddress!, pathBytes.baseAddress!, pathCount) == 0 else { return false }
        return changedCount == pathCount || changedBytes[pathCount] == UInt8(ascii: "/")
      }
    }
    if let covered = covered ?? nil { return covered }
    // Bridged or otherwise non-contiguous strings: the generic comparison.
    guard changed.utf8.starts(with: path.utf8) else { return false }
    let rest = changed.utf8.dropFirst(pathCount)
    return rest.isEmpty || rest.first == UInt8(ascii: "/")
  }
}

/// Byte comparisons against string literals.
enum Bytes {
  static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ prefix: StaticString) -> Bool {
    bytes.count >= prefix.utf8CodeUnitCount
      && memcmp(bytes.baseAddress!, prefix.utf8Start, prefix.utf8CodeUnitCount) == 0
  }

  static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
    bytes.count == literal.utf8CodeUnitCount && hasPrefix(bytes, literal)
  }
}
