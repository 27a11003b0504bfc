import SystemPackage
import XenResumeCore

/// The `XenHost` calls, each keeping the rules of the C call it stands for (see `SimulatorState`'s extensions).
extension SimulatedXenHost {
  // MARK: Domains

  /// Domain 0: the simulated toolstack always runs there.
  public func toolstackDomain() throws -> DomainID {
    try call(.toolstackDomain, domain: nil, { .none }, result: { .domain($0) }) { _ in .dom0 }
  }

  /// The domain as `XEN_DOMCTL_getdomaininfo` encodes it: shutdown reason in bits 16–23 (255 when not shut down),
  /// the HVM flag for HVM, PVHVM and PVH, libxl's emulation flags. ESRCH for a missing domain.
  public func domainInfo(_ domain: DomainID) throws -> DomainInfo {
    try call(.domainInfo, domain: domain, { .none }, result: { .domainInfo($0) }) { state in
      let info = try state.existingDomain(domain).info()
      // A running domain has used some CPU time by the next look.
      if state.domains[domain]?.isRunning == true { state.domains[domain]?.cpuTime &+= 1_000_000 }
      return info
    }
  }

  /// Every domain in the hypervisor, dom0 and lingering dying domains included, in id order: what
  /// `xc_domain_getinfolist` hands out batch by batch, here in one step (one traced call, one fault point).
  public func domains() throws -> [DomainInfo] {
    try call(.domainList, domain: nil, { .none }, result: { .domainList($0.map(\.domain)) }) { state in
      let ids = state.domains.keys.sorted()
      // Each entry is the domain's getinfo answer, so a running domain has used CPU time by the next look here too.
      for id in ids where state.domains[id]?.isRunning == true { state.domains[id]?.cpuTime &+= 1_000_000 }
      return ids.compactMap { state.domains[$0]?.info() }
    }
  }

  /// `HVM_PARAM_CALLBACK_IRQ` (0 for pure HVM, non-zero once PV drivers set it up: 1 for Linux) and
  /// `HVM_PARAM_ACPI_S_STATE` (0 while awake). EINVAL for PV domains and parameters past `HVM_NR_PARAMS`.
  public func hvmParameter(_ parameter: HVMParameter, of domain: DomainID) throws -> UInt64 {
    try call(.hvmParameter, domain: domain, { .hvmParameter(parameter) }, result: { .number($0) }) { state in
      try state.hvmParameter(parameter, of: domain)
    }
  }

  /// A PV guest's width; HVM containers report the host's (64-bit).
  public func guestWidth(of domain: DomainID) throws -> GuestWidth {
    try call(.guestWidth, domain: domain, { .none }, result: { .width($0) }) { state in
      try state.guestWidth(of: domain)
    }
  }

  /// The simulated hypervisor is 64-bit.
  public func hostWidth() throws -> GuestWidth {
    try call(.hostWidth, domain: nil, { .none }, result: { .width($0) }) { _ in .bits64 }
  }

  /// `xc_domain_shutdown`: the domain shuts down at once with the reason, without the guest's cooperation (it was
  /// not in its suspend hypercall, so changing its registers later corrupts it). A domain already shut down is left
  /// as it is. EINVAL for domain 0 (on real Xen that would take the whole host down).
  public func shutdownDomain(_ domain: DomainID, reason: ShutdownReason) throws {
    try call(.shutdownDomain, domain: domain, { .shutdownReason(reason) }, result: { .none }) { state in
      guard domain != .dom0 else { throw Errno.invalidArgument }
      _ = try state.existingDomain(domain)
      state.shutDown(domain, reason: reason, byGuest: false)
    }
  }

  /// `XEN_DOMCTL_resumedomain`: EINVAL for domain 0 (the caller); on a domain that is not shut down it succeeds and
  /// changes nothing; otherwise the vcpus run again and the guest wakes according to vcpu0's return register.
  public func resumeDomain(_ domain: DomainID) throws {
    try call(.resumeDomain, domain: domain, { .none }, result: { .none }) { state in
      try state.resumeDomain(domain)
    }
  }

  /// `XEN_DOMCTL_soft_reset`, with Xen's rules (`SimulatorState.softResetDomain`): EINVAL with nothing changed for
  /// domain 0, a dying domain, one not shut down, and one the toolstack has not paused; for an HVM container every
  /// event channel of the guest closes, its vcpu_info registrations go, and the domain is no longer shut down but
  /// stays paused until unpaused, when the guest wakes. A PV domain: EINVAL after its channels closed, and its
  /// guest is dead (Xen crashes it, which leaves a domain already shut down as it was). ESRCH for a missing domain.
  public func softResetDomain(_ domain: DomainID) throws {
    try call(.softResetDomain, domain: domain, { .none }, result: { .none }) { state in
      try state.softResetDomain(domain)
    }
  }

  /// `xc_hvm_param_set`: stores the value for an HVM container; EINVAL for PV domains and parameters past
  /// `HVM_NR_PARAMS`, ESRCH for a missing domain. The guest reads the store and console ports when it next wakes
  /// as a new domain.
  public func setHVMParameter(_ parameter: HVMParameter, of domain: DomainID, to value: UInt64) throws {
    try call(
      .setHVMParameter, domain: domain, { .hvmParameterValue(parameter, value: value) }, result: { .none }
    ) { state in
      try state.setHVMParameter(parameter, of: domain, to: value)
    }
  }

  // MARK: vcpus

  /// A vcpu's context in the given layout (a wrong width gives the bytes as that caller would misread them).
  /// EINVAL for a vcpu past `maxVCPUID` and for domain 0's own vcpu, ENODATA for a vcpu that was reset.
  public func vcpuContext(of domain: DomainID, vcpu: UInt32, width: GuestWidth) throws -> VCPUContext {
    try call(
      .vcpuContext, domain: domain, { .vcpu(vcpu, width: width) },
      result: { .vcpuContext(returnRegister: $0.returnRegister, startInfoRegister: $0.startInfoFrame) }
    ) { state in
      try state.vcpuContext(of: domain, vcpu: vcpu, width: width)
    }
  }

  /// Replaces a vcpu's context. Xen allows it on any domain but domain 0; the guest only survives a change of
  /// vcpu0's return register while it is stopped inside its own suspend hypercall.
  public func setVCPUContext(_ context: VCPUContext, of domain: DomainID, vcpu: UInt32) throws {
    try call(
      .setVCPUContext, domain: domain,
      {
        .vcpuContext(
          vcpu, width: context.width, returnRegister: context.returnRegister, startInfoRegister: context.startInfoFrame)
      }, result: { .none }
    ) { state in
      try state.setVCPUContext(context, of: domain, vcpu: vcpu)
    }
  }

  /// Resets a vcpu to down and uninitialised. Harmless only for a secondary vcpu of a guest stopped in its suspend
  /// hypercall.
  public func resetVCPU(of domain: DomainID, vcpu: UInt32) throws {
    try call(.resetVCPU, domain: domain, { .vcpu(vcpu, width: nil) }, result: { .none }) { state in
      try state.resetVCPU(of: domain, vcpu: vcpu)
    }
  }

  // MARK: Foreign memory

  /// Reads from a frame of the domain: a machine frame a PV domain owns (EPERM otherwise, as "Couldn't map"), a gfn
  /// of an HVM container's physical map (EINVAL for a hole); EINVAL for a range outside the page.
  public func readGuestMemory(of domain: DomainID, frame: UInt64, offset: Int, count: Int) throws -> [UInt8] {
    try call(
      .readGuestMemory, domain: domain, { .memory(frame: frame, offset: offset, count: count) },
      result: { .bytes(count: $0.count) }
    ) { state in
      try state.readGuestMemory(of: domain, frame: frame, offset: offset, count: count)
    }
  }

  /// Writes into a frame of the domain, mapped as `readGuestMemory` maps it; EINVAL for a range outside the page.
  /// Changing the guest's own structures (a PV guest's p2m, shared_info and start_info but its store and console
  /// frames; an HVM container's kernel pages and shared_info) corrupts it.
  public func writeGuestMemory(of domain: DomainID, frame: UInt64, offset: Int, bytes: [UInt8]) throws {
    try call(
      .writeGuestMemory, domain: domain, { .memory(frame: frame, offset: offset, count: bytes.count) },
      result: { .none }
    ) { state in
      try state.writeGuestMemory(of: domain, frame: frame, offset: offset, bytes: bytes)
    }
  }

  // MARK: xenstore

  /// Reads a node as domain 0; `nil` when it does not exist. ENOENT for an unknown transaction, EINVAL for an
  /// invalid path.
  public func read(_ path: String, transaction: XenStoreTransaction) throws -> String? {
    try call(.read, domain: nil, { .path(path, transaction: transaction) }, result: { .value($0) }) { state in
      let value = try state.store.read(path, caller: .dom0, transaction: transaction)
      state.guestsNoticeToolstackRead(of: path)
      return value
    }
  }

  /// Writes a node as domain 0, creating missing parents (new nodes inherit their parent's permissions). Outside a
  /// transaction watches fire, and guests react, before this returns; inside one, at commit.
  public func write(_ path: String, value: String, transaction: XenStoreTransaction) throws {
    try call(.write, domain: nil, { .write(path, value: value, transaction: transaction) }, result: { .none }) {
      state in
      try state.toolstackWrite(path, value: value, transaction: transaction)
    }
  }

  /// Removes a node and its children; removing a missing node succeeds. EINVAL for the root.
  public func remove(_ path: String, transaction: XenStoreTransaction) throws {
    try call(.remove, domain: nil, { .path(path, transaction: transaction) }, result: { .none }) { state in
      try state.toolstackRemove(path, transaction: transaction)
    }
  }

  /// Replaces a node's permission list. ENOENT for a missing node, EINVAL for an empty list.
  public func setPermissions(
    _ path: String, _ permissions: [XenStorePermission], transaction: XenStoreTransaction
  ) throws {
    try call(
      .setPermissions, domain: nil, { .permissions(path, permissions, transaction: transaction) }, result: { .none }
    ) { state in
      try state.toolstackSetPermissions(path, permissions, transaction: transaction)
    }
  }

  /// Starts a transaction.
  public func startTransaction() throws -> XenStoreTransaction {
    try call(.startTransaction, domain: nil, { .none }, result: { .transaction($0) }) { state in
      try state.store.startTransaction(caller: .dom0)
    }
  }

  /// Ends a transaction. A commit fails with EAGAIN when a node the transaction read or changed was changed by
  /// someone else since; the transaction is over either way, whatever the failure (an injected one included: C
  /// xenstored unlinks the transaction before it even looks at the commit). ENOENT for an unknown transaction.
  public func endTransaction(_ transaction: XenStoreTransaction, commit: Bool) throws {
    do {
      try call(.endTransaction, domain: nil, { .endTransaction(transaction, commit: commit) }, result: { .none }) {
        state in
        try state.toolstackEndTransaction(transaction, commit: commit)
      }
    } catch {
      state.withLock { _ = try? $0.toolstackEndTransaction(transaction, commit: false) }
      throw error
    }
  }

  /// Watches a node (changes at or below it fire) or `@releaseDomain`/`@introduceDomain`; fires once at
  /// registration. EINVAL for an invalid path or another special path.
  public func watch(_ path: String) throws -> XenStoreWatchID {
    try call(.watch, domain: nil, { .watchPath(path) }, result: { .watch($0) }) { state in
      try state.addWatch(path)
    }
  }

  /// The next event of a watch, queued ones first. Cancelling the waiting task throws `CancellationError` and
  /// leaves the watch usable. ENOENT for an unknown (or meanwhile removed) watch.
  public func nextWatchEvent(_ watch: XenStoreWatchID) async throws -> String {
    try await wait(WatchEventWait(watch: watch))
  }

  /// The oldest queued event of a watch without waiting, `nil` when none is queued (and, for a watch of a lost
  /// connection, once its queued events are taken). ENOENT for an unknown watch.
  public func takeWatchEvent(_ watch: XenStoreWatchID) throws -> String? {
    try call(.takeWatchEvent, domain: nil, { .watch(watch) }, result: { .queuedWatchEvent($0) }) { state in
      if state.watches.isLost(watch) { return state.watches.dequeue(from: watch) }
      guard state.watches.contains(watch) else { throw Errno.noSuchFileOrDirectory }
      return state.watches.dequeue(from: watch)
    }
  }

  /// Removes a watch and its queued events. ENOENT for an unknown watch.
  public func unwatch(_ watch: XenStoreWatchID) throws {
    try call(.unwatch, domain: nil, { .watch(watch) }, result: { .none }) { state in
      try state.removeWatch(watch)
    }
  }

  /// XS_RESUME: re-arms `@releaseDomain` for the domain's next shutdown. EINVAL for domain 0, ENOENT for a domain
  /// xenstored does not know.
  public func resumeDomainInXenStore(_ domain: DomainID) throws {
    try call(.resumeDomainInXenStore, domain: domain, { .none }, result: { .none }) { state in
      try state.resumeDomainInXenStore(domain)
    }
  }

  /// XS_INTRODUCE of a domain xenstored knows, as C xenstored answers it: it unbinds its old port for the domain
  /// and binds `storePort`, acknowledging even when that bind fails (then it holds no port: check with
  /// `eventChannelStatus(of:port:)`), and drops the guest's xenstore transactions. The store frame is ignored, as C
  /// xenstored ignores it. EINVAL for port 0, domain 0, and a missing or dying domain (xenstored cannot map its
  /// ring); ECONNREFUSED while xenstored is down.
  public func introduceDomain(_ domain: DomainID, storeFrame: UInt64, storePort: EventChannelPort) throws {
    try call(
      .introduceDomain, domain: domain, { .introduction(storeFrame: storeFrame, storePort: storePort) },
      result: { .none }
    ) { state in
      try state.introduceDomain(domain, storeFrame: storeFrame, storePort: storePort)
    }
  }

  // MARK: Event channels

  /// Binds a new local port to the guest's suspend port; the local port starts pending. ESRCH for a missing
  /// domain; EINVAL (as Xen) for a port the guest did not allocate for domain 0, including one already bound.
  public func bindInterdomainEventChannel(to domain: DomainID, remotePort: EventChannelPort) throws
    -> EventChannelPort
  {
    try call(
      .bindInterdomainEventChannel, domain: domain, { .remotePort(remotePort) }, result: { .port($0) }
    ) { state in
      try state.bindInterdomainEventChannel(to: domain, remotePort: remotePort)
    }
  }

  /// `xc_domain_subscribe_for_suspend`. As in Xen, `port` is a port of the *guest* (the remote port that was bound,
  /// as libxenguest passes it), stored unchecked; 0 unsubscribes. When the domain next suspends, Xen sends from that
  /// guest port to the local port bound to it instead of raising `VIRQ_DOM_EXC`, so `@releaseDomain` does not fire.
  /// A port the guest does not have (such as the local port number) silences the suspend notification altogether.
  public func subscribeForSuspend(_ domain: DomainID, port: EventChannelPort) throws {
    try call(.subscribeForSuspend, domain: domain, { .port(port) }, result: { .none }) { state in
      try state.subscribeForSuspend(domain, port: port)
    }
  }

  /// Signals the guest end of a local port. ENOTCONN for a port this toolstack did not bind; dropped silently when
  /// the guest end is gone.
  public func notify(_ port: EventChannelPort) throws {
    try call(.notify, domain: nil, { .port(port) }, result: { .none }) { state in
      try state.notify(port)
    }
  }

  /// Consumes a pending event without waiting. ENOTCONN for a port this toolstack did not bind.
  public func consumePendingEvent(on port: EventChannelPort) throws -> Bool {
    try call(.consumePendingEvent, domain: nil, { .port(port) }, result: { .pending($0) }) { state in
      try state.consumePendingEvent(on: port)
    }
  }

  /// Waits until a local port fires and consumes the event. Cancelling the waiting task throws
  /// `CancellationError`. ENOTCONN for a port this toolstack did not bind (or unbound while waiting).
  public func waitForEvent(on port: EventChannelPort) async throws {
    try await wait(PortEventWait(port: port))
  }

  /// Unbinds a local port; the guest's end waits for domain 0 again. ENOTCONN for a port this toolstack did not
  /// bind.
  public func unbind(_ port: EventChannelPort) throws {
    try call(.unbind, domain: nil, { .port(port) }, result: { .none }) { state in
      try state.unbind(port)
    }
  }

  /// `xc_evtchn_alloc_unbound`: the lowest free port of `domain` (from 1), unbound for `remote`. ESRCH for a
  /// missing domain, EINVAL for a dying one.
  public func allocateUnboundEventChannel(in domain: DomainID, remote: DomainID) throws -> EventChannelPort {
    try call(
      .allocateUnboundEventChannel, domain: domain, { .remoteDomain(remote) }, result: { .port($0) }
    ) { state in
      try state.allocateUnboundEventChannel(in: domain, remote: remote)
    }
  }

  /// `xc_evtchn_status` of a port in `domain`'s port space: closed, unbound for a domain, or interdomain to domain
  /// 0's port (the toolstack's, xenstored's or xenconsoled's: the status does not say whose). Port 0 is reserved
  /// and reads closed, as in Xen; EINVAL for a port past the domain's valid ports (a guest's are counted in
  /// buckets of 64), ESRCH for a missing domain.
  public func eventChannelStatus(of domain: DomainID, port: EventChannelPort) throws -> EventChannelStatus {
    try call(
      .eventChannelStatus, domain: domain, { .portOfDomain(port) }, result: { .eventChannelStatus($0) }
    ) { state in
      try state.eventChannelStatus(of: domain, port: port)
    }
  }

  // MARK: Cross-process locking

  /// Takes the domain's suspend lock. EAGAIN while anyone holds it (another process, or this toolstack already).
  /// Like the real lock file it does not check that the domain exists.
  public func acquireSuspendLock(for domain: DomainID) throws {
    try call(.acquireSuspendLock, domain: domain, { .none }, result: { .none }) { state in
      try state.suspendLocks.acquire(domain)
    }
  }

  /// Releases this toolstack's suspend lock. ENOENT when nobody holds it; EBADF when another process does (its
  /// lock file is left alone). A failure of this toolstack's own release (an injected one) still ends its lock, as
  /// on a dom0: closing the lock file's descriptor ends an fcntl lock whatever the unlink before it answered.
  public func releaseSuspendLock(for domain: DomainID) throws {
    do {
      try call(.releaseSuspendLock, domain: domain, { .none }, result: { .none }) { state in
        try state.suspendLocks.release(domain)
      }
    } catch {
      state.withLock { _ = try? $0.suspendLocks.release(domain) }
      throw error
    }
  }
}
