/// The narrow set of operations that suspending and resuming a domain needs, in Swift terms.
///
/// Each requirement corresponds to one libxenctrl, libxenstore, libxenevtchn or libxenforeignmemory call (named
/// in its documentation), so host calls can be counted against libxl's. `LibxenHost` implements it over the real
/// libraries; `XenSimulator.SimulatedXenHost` keeps Xen's rules without a hypervisor.
///
/// Synchronous requirements are short calls. The two `async` waits suspend until an event arrives and must
/// return promptly with `CancellationError` when their task is cancelled; timeouts are the caller's business.
/// Every failure is thrown as `XenCallError`.
///
/// Every call, synchronous or not, is reported to `callObservers` once, at the backend's single choke point, so
/// that counting and fault injection work over any backend.
public protocol XenHost: Sendable {
  /// The observers this host notifies around every call it makes.
  var callObservers: HostCallObservers { get }

  // MARK: Domains

  /// The domain the toolstack runs in (xenstore `domid`; 0 in dom0).
  func toolstackDomain() throws -> DomainID

  /// The hypervisor's view of a domain (`xc_domain_getinfolist` with the returned id checked).
  /// Throws `XenCallError` with errno ESRCH when the domain does not exist.
  func domainInfo(_ domain: DomainID) throws -> DomainInfo

  /// Every domain the hypervisor knows, dom0 and dying domains included, in ascending id order
  /// (`xc_domain_getinfolist` from domain 0, batch after batch until a short one, as `xl list` reads them).
  /// A domain created or destroyed while the batches are read may be missed or listed as it was; callers that act
  /// on one domain read it again with `domainInfo(_:)`.
  func domains() throws -> [DomainInfo]

  /// Reads an HVM parameter of an HVM-container domain (`xc_hvm_param_get`).
  func hvmParameter(_ parameter: HVMParameter, of domain: DomainID) throws -> UInt64

  /// The width of a PV guest's vcpu contexts (`xc_domain_get_guest_width`).
  func guestWidth(of domain: DomainID) throws -> GuestWidth

  /// The hypervisor's own width, which HVM containers' vcpu contexts use (`XENVER_capabilities`).
  func hostWidth() throws -> GuestWidth

  /// Asks Xen to shut the domain down with a reason, without the guest's cooperation (`xc_domain_shutdown`).
  func shutdownDomain(_ domain: DomainID, reason: ShutdownReason) throws

  /// Issues `XEN_DOMCTL_resumedomain` (through `xc_domctl`): clears the shutdown state and lets the vcpus run.
  /// On a domain that is not shut down Xen changes nothing and succeeds; callers check the state first.
  func resumeDomain(_ domain: DomainID) throws

  /// Pauses the domain once more (`xc_domain_pause`): Xen counts pauses, and the domain runs only when every pause
  /// has been taken back, whatever its shutdown state.
  func pauseDomain(_ domain: DomainID) throws

  /// Takes back one pause of `pauseDomain(_:)` (`xc_domain_unpause`).
  func unpauseDomain(_ domain: DomainID) throws

  /// `XEN_DOMCTL_soft_reset` (`xc_domain_soft_reset`), for an HVM container whose every vcpu is paused for shutdown
  /// (a suspended domain): Xen closes all the domain's event channels, drops every vcpu's vcpu_info and runstate
  /// registration, gives it a new shared_info page at the same frame, and resumes it (held only by the caller's own
  /// pauses). EINVAL when a vcpu is not paused for shutdown. On a PV domain Xen fails it and **crashes the domain**:
  /// callers must never issue it there.
  func softResetDomain(_ domain: DomainID) throws

  /// Writes an HVM parameter of an HVM-container domain (`xc_hvm_param_set`).
  func setHVMParameter(_ parameter: HVMParameter, of domain: DomainID, to value: UInt64) throws

  // MARK: vcpus

  /// Reads a vcpu's context in the given layout (`xc_vcpu_getcontext`).
  func vcpuContext(of domain: DomainID, vcpu: UInt32, width: GuestWidth) throws -> VCPUContext

  /// Replaces a vcpu's context (`xc_vcpu_setcontext`). Legal on a running guest, but it corrupts it.
  func setVCPUContext(_ context: VCPUContext, of domain: DomainID, vcpu: UInt32) throws

  /// Resets a vcpu to the initialised-but-down state (`xc_vcpu_setcontext` with a NULL context).
  func resetVCPU(of domain: DomainID, vcpu: UInt32) throws

  // MARK: Foreign memory

  /// Reads bytes of one guest page, by machine frame (`xenforeignmemory_map` read-only, copy, unmap).
  func readGuestMemory(of domain: DomainID, frame: UInt64, offset: Int, count: Int) throws -> [UInt8]

  /// Writes bytes into one guest page, by machine frame (`xenforeignmemory_map` read-write, copy, unmap).
  func writeGuestMemory(of domain: DomainID, frame: UInt64, offset: Int, bytes: [UInt8]) throws

  // MARK: Whole-guest state (capture and rewind)

  /// The highest frame of the domain's guest physical map (`xc_domain_maximum_gpfn`): only frames `0...max` can
  /// hold a page. Holes, Xen's own pages and RAM are all below it; `guestFrameKinds(of:frames:)` tells them apart.
  func maximumGuestFrame(of domain: DomainID) throws -> UInt64

  /// What Xen holds at each of up to `GuestFrameKind.batchLimit` guest frames, in order
  /// (`XEN_DOMCTL_getpageframeinfo3`, the call libxenguest's save uses to find the pages to send): one hypercall
  /// for the whole batch, without mapping anything, so holes cost almost nothing.
  func guestFrameKinds(of domain: DomainID, frames: [UInt64]) throws -> [GuestFrameKind]

  /// Maps `frames` read-only in one batch (`xenforeignmemory_map`, at most `GuestFrameKind.batchLimit`), appends
  /// each one's page to `pages` in order, and unmaps them. A frame that does not map fails the whole call, naming
  /// the frame, with nothing appended.
  func readGuestFrames(of domain: DomainID, frames: [UInt64], appendingTo pages: inout [UInt8]) throws

  /// Maps `frames` read-write in one batch (`xenforeignmemory_map`, at most `GuestFrameKind.batchLimit`) and, only
  /// once every frame has mapped, copies one page of `pages` into each, in order. A frame that does not map fails
  /// the call, naming the frame, before any byte is written. `pages` holds exactly one page per frame.
  func writeGuestFrames(of domain: DomainID, frames: [UInt64], pages: ArraySlice<UInt8>) throws

  /// An HVM container's architectural state, every vcpu's and the emulated platform's, in Xen's save format
  /// (`xc_domain_hvm_getcontext`; `HVMContextRecords` reads it). Xen pauses the domain while it copies.
  func hvmContext(of domain: DomainID) throws -> [UInt8]

  /// Loads an HVM context in Xen's save format into an HVM container (`xc_domain_hvm_setcontext`), replacing the
  /// state of every vcpu and device it holds records for. Xen pauses the domain while it loads.
  func setHVMContext(_ context: [UInt8], of domain: DomainID) throws

  // MARK: xenstore

  /// Reads a node (`xs_read`); `nil` when it does not exist.
  func read(_ path: String, transaction: XenStoreTransaction) throws -> String?

  /// Writes a node, creating it and its parents (`xs_write`).
  func write(_ path: String, value: String, transaction: XenStoreTransaction) throws

  /// Removes a node and its children (`xs_rm`); removing a missing node succeeds.
  func remove(_ path: String, transaction: XenStoreTransaction) throws

  /// Sets a node's permission list (`xs_set_permissions`).
  func setPermissions(_ path: String, _ permissions: [XenStorePermission], transaction: XenStoreTransaction) throws

  /// Starts a transaction (`xs_transaction_start`).
  func startTransaction() throws -> XenStoreTransaction

  /// Ends a transaction, committing or abandoning it (`xs_transaction_end`). A commit that conflicts with another
  /// writer throws `XenCallError` with errno EAGAIN; the caller retries the whole transaction.
  func endTransaction(_ transaction: XenStoreTransaction, commit: Bool) throws

  /// Registers a watch on a path or a special path such as `@releaseDomain` (`xs_watch`).
  /// As in xenstored, a new watch fires once at registration.
  func watch(_ path: String) throws -> XenStoreWatchID

  /// Waits for the next event of a watch and returns the path that fired (`xs_read_watch`).
  /// Events that arrived before the call are queued and returned first; past `XenStoreWatchID.queuedEventLimit`
  /// queued events, an event for a path already queued is dropped.
  func nextWatchEvent(_ watch: XenStoreWatchID) async throws -> String

  /// The oldest event of a watch that has already arrived, without waiting (`xs_check_watch`); `nil` when none
  /// has. A watch whose connection to xenstored was lost still hands out the events that came before; after them
  /// it returns `nil`, and `nextWatchEvent(_:)` reports the loss. Lets a caller skip a timed wait when the event
  /// is there already. A host that cannot tell without waiting returns `nil` (the default).
  func takeWatchEvent(_ watch: XenStoreWatchID) throws -> String?

  /// Removes a watch (`xs_unwatch`); pending events are dropped.
  func unwatch(_ watch: XenStoreWatchID) throws

  /// Tells xenstored the domain runs again (`xs_resume_domain`, XS_RESUME), which re-arms `@releaseDomain`
  /// for its next shutdown.
  func resumeDomainInXenStore(_ domain: DomainID) throws

  /// Introduces the domain to xenstored with its store ring's frame and the guest's port for xenstored to bind
  /// (`xs_introduce_domain`, XS_INTRODUCE). For a domain xenstored knows already, C xenstored binds the new port in
  /// place of the old one and drops the domain's watches and transactions, as for a new domain; it acknowledges
  /// even when that bind fails, so callers check the port with `eventChannelStatus(of:port:)`.
  func introduceDomain(_ domain: DomainID, storeFrame: UInt64, storePort: EventChannelPort) throws

  // MARK: Event channels

  /// Binds a local port to a remote domain's port (`xenevtchn_bind_interdomain`).
  /// Binding leaves the new local port pending once.
  func bindInterdomainEventChannel(to domain: DomainID, remotePort: EventChannelPort) throws -> EventChannelPort

  /// Asks Xen to send an event on the guest's own port `port` (its advertised suspend port, in the guest's port
  /// space) when the domain enters suspend (`xc_domain_subscribe_for_suspend`, as libxenguest passes it). The
  /// event arrives at the local port bound to it. Once subscribed, Xen signals that channel instead of
  /// `VIRQ_DOM_EXC` for the domain's suspends.
  func subscribeForSuspend(_ domain: DomainID, port: EventChannelPort) throws

  /// Signals the remote end of a bound local port (`xenevtchn_notify`).
  func notify(_ port: EventChannelPort) throws

  /// Consumes a pending event on a local port without waiting (`xenevtchn_pending` + `xenevtchn_unmask`);
  /// `true` when one was pending.
  func consumePendingEvent(on port: EventChannelPort) throws -> Bool

  /// Waits until a local port fires, consuming the event.
  func waitForEvent(on port: EventChannelPort) async throws

  /// Unbinds a local port (`xenevtchn_unbind`).
  func unbind(_ port: EventChannelPort) throws

  /// Allocates an unbound port in `domain` that only `remote` may bind (`xc_evtchn_alloc_unbound`); returns the
  /// port, in `domain`'s port space.
  func allocateUnboundEventChannel(in domain: DomainID, remote: DomainID) throws -> EventChannelPort

  /// The state of a port in a domain's port space (`xc_evtchn_status`).
  func eventChannelStatus(of domain: DomainID, port: EventChannelPort) throws -> EventChannelStatus

  // MARK: Cross-process locking

  /// Takes the per-domain suspend lock that libxenguest takes (`/var/run/xen/suspend-evtchn-<id>.lock`, an
  /// exclusive, non-blocking fcntl lock), so that two toolstacks never suspend one guest at once.
  /// Throws `XenCallError` with errno EAGAIN when another holder has it.
  func acquireSuspendLock(for domain: DomainID) throws

  /// Releases the lock taken by `acquireSuspendLock(for:)` and removes its file.
  func releaseSuspendLock(for domain: DomainID) throws
}

extension XenHost {
  /// Always `nil`: a host that does not implement it makes callers wait with `nextWatchEvent(_:)`.
  public func takeWatchEvent(_ watch: XenStoreWatchID) throws -> String? { nil }

  /// Reads a node outside any transaction.
  public func read(_ path: String) throws -> String? {
    try read(path, transaction: .none)
  }

  /// Writes a node outside any transaction.
  public func write(_ path: String, value: String) throws {
    try write(path, value: value, transaction: .none)
  }

  /// Removes a node outside any transaction.
  public func remove(_ path: String) throws {
    try remove(path, transaction: .none)
  }
}
