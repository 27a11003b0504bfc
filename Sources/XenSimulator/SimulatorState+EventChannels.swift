import SystemPackage
@_spi(XenHostBackends) import XenResumeCore

/// Event channels: guests' port tables, the toolstack's local ports bound to them, and xenstored's and
/// xenconsoled's bindings to guests' xenstore and console ports.
extension SimulatorState {
  /// `FIFO`'s port limit (`EVTCHN_FIFO_NR_CHANNELS`): domain 0's ports past it are EINVAL. Below it, ports the
  /// simulator does not model (domain 0's own xenstore channel, VIRQs) read as closed.
  static let dom0PortLimit: UInt32 = 1 << 17

  /// `EVTCHNOP_bind_interdomain`: the remote port must be one the guest allocated for domain 0 and nobody bound yet
  /// (Xen answers EINVAL otherwise, also for a second bind to the same remote port). The new local port starts
  /// pending.
  mutating func bindInterdomainEventChannel(to id: DomainID, remotePort: EventChannelPort) throws -> EventChannelPort {
    let domain = try existingDomain(id)
    guard !domain.isDying, domain.ports[remotePort.rawValue] == .unbound(remote: .dom0) else {
      throw Errno.invalidArgument
    }
    let local = eventChannels.bind(
      to: .init(domain: id, incarnation: domain.incarnation, port: remotePort.rawValue))
    domains[id]?.ports.bind(remotePort.rawValue, toDom0Port: local)
    return EventChannelPort(local)
  }

  /// `XEN_DOMCTL_subscribe`: Xen stores the port unchecked, as a port of the *guest* (0 unsubscribes). When the
  /// domain suspends, Xen sends from that guest port to whatever it is bound to, instead of raising `VIRQ_DOM_EXC`.
  mutating func subscribeForSuspend(_ id: DomainID, port: EventChannelPort) throws {
    _ = try existingDomain(id)
    domains[id]?.subscribedSuspendPort = port.rawValue
  }

  /// `evtchn_send` from a guest port: reaches the toolstack's local port it is bound to; dropped silently
  /// otherwise (a daemon's port: xenstored and xenconsoled ignore an event from a suspending guest).
  mutating func sendFromGuestPort(_ number: UInt32, of id: DomainID) {
    guard case .boundByDom0(let local) = domains[id]?.ports[number], eventChannels[local] != nil else { return }
    signal(local)
  }

  /// Makes a local port pending, or hands the event to a task waiting on it.
  mutating func signal(_ local: UInt32) {
    if let waiter = portWaiters.takeFirst(under: local) {
      record(.waitForEvent, domain: nil, { .port(EventChannelPort(local)) }, .succeeded(.none))
      effects.portResumptions.append(waiter, .success(()))
      return
    }
    eventChannels.setPending(local)
  }

  /// `xenevtchn_notify`: ENOTCONN for a port this toolstack did not bind. A port whose remote end closed drops the
  /// notification silently, as Xen does; the guest acts only on an event on its suspend port.
  mutating func notify(_ port: EventChannelPort) throws {
    guard let local = eventChannels[port.rawValue] else { throw Errno.socketNotConnected }
    guard let remote = local.remote, let domain = domains[remote.domain], domain.incarnation == remote.incarnation,
      domain.ports[remote.port] == .boundByDom0(remotePort: port.rawValue),
      domain.suspendPort?.number == remote.port
    else { return }
    trigger(.suspendChannelFired, for: remote.domain, after: reactionDelays(of: remote.domain).acknowledgement)
  }

  mutating func consumePendingEvent(on port: EventChannelPort) throws -> Bool {
    guard eventChannels[port.rawValue] != nil else { throw Errno.socketNotConnected }
    return eventChannels.consumePending(port.rawValue)
  }

  /// `xenevtchn_unbind`: the guest's end waits for domain 0 again. Tasks waiting on the port fail with ENOTCONN.
  mutating func unbind(_ port: EventChannelPort) throws {
    guard let removed = eventChannels.unbind(port.rawValue) else { throw Errno.socketNotConnected }
    if let remote = removed.remote, domains[remote.domain]?.incarnation == remote.incarnation,
      domains[remote.domain]?.ports[remote.port] == .boundByDom0(remotePort: port.rawValue)
    {
      domains[remote.domain]?.ports.dom0Unbound(remote.port)
    }
    for _ in 0..<portWaiters.count(under: port.rawValue) {
      record(.waitForEvent, domain: nil, { .port(port) }, .failed(.socketNotConnected, injected: false))
    }
    let error = XenCallError(.waitForEvent, errno: .socketNotConnected, hint: "the port was unbound")
    portWaiters.takeAll(under: port.rawValue, resumingWith: .failure(error), into: &effects.portResumptions)
  }

  /// `EVTCHNOP_alloc_unbound`: the lowest free port of `id`, for `remote` to bind (Xen does not check that `remote`
  /// exists). ESRCH for a missing domain, EINVAL for a dying one (`get_free_port`).
  mutating func allocateUnboundEventChannel(in id: DomainID, remote: DomainID) throws -> EventChannelPort {
    let domain = try existingDomain(id)
    guard !domain.isDying else { throw Errno.invalidArgument }
    if id == .dom0 { return EventChannelPort(eventChannels.allocateUnbound(for: remote)) }
    return EventChannelPort(domains[id]!.ports.allocate(unboundFor: remote))
  }

  /// `EVTCHNOP_status`: ESRCH for a missing domain, EINVAL for a port past the domain's valid ports. A guest's end
  /// of a channel domain 0 bound reads interdomain to domain 0 whoever bound it (the toolstack or a daemon).
  func eventChannelStatus(of id: DomainID, port: EventChannelPort) throws -> EventChannelStatus {
    let domain = try existingDomain(id)
    guard id == .dom0 else { return try domain.ports.status(of: port.rawValue) }
    guard port.rawValue < Self.dom0PortLimit else { throw Errno.invalidArgument }
    if let local = eventChannels[port.rawValue] {
      // Xen leaves an end whose remote closed unbound for the domain it was connected to.
      guard let remote = local.remote else { return .unbound(remote: local.remoteDomain) }
      return .interdomain(remote: remote.domain, remotePort: EventChannelPort(remote.port))
    }
    switch eventChannels.otherPorts[port.rawValue] {
    case .daemon(let remote):
      guard domains[remote.domain]?.incarnation == remote.incarnation,
        domains[remote.domain]?.ports[remote.port] == .boundByDom0(remotePort: port.rawValue)
      else { return .unbound(remote: remote.domain) }
      return .interdomain(remote: remote.domain, remotePort: EventChannelPort(remote.port))
    case .unbound(let remote):
      return .unbound(remote: remote)
    case nil:
      return .closed
    }
  }

  // MARK: Closing guest ports

  /// The guest closes its suspend port (it re-creates its channels after a resume as a new domain, or a hostile
  /// guest replaces it): a local port bound to it loses its remote end.
  mutating func closeSuspendPort(of id: DomainID) {
    guard let port = domains[id]?.suspendPort else { return }
    domains[id]?.suspendPort = nil
    if let state = domains[id]?.ports.close(port.number) { dom0EndLosesRemote(state) }
  }

  /// Every port of the guest closes (`evtchn_reset` at a soft reset, or the domain dying): domain 0's ends bound to
  /// them lose their remote end, the toolstack's as the daemons'.
  mutating func closeAllEventChannels(of id: DomainID) {
    guard let closed = domains[id]?.ports.closeAll() else { return }
    domains[id]?.suspendPort = nil
    for state in closed.values { dom0EndLosesRemote(state) }
  }

  /// Xen closed a guest's end: the toolstack's local port bound to it stays, without a remote end (a daemon's port
  /// reads unbound from the guest's table without further bookkeeping).
  private mutating func dom0EndLosesRemote(_ state: GuestPortTable.State) {
    if case .boundByDom0(let local) = state, eventChannels[local] != nil { eventChannels.disconnect(local) }
  }

  // MARK: xenstored and xenconsoled

  /// Which daemon's binding a call is about.
  enum Daemon {
    case xenstored
    case xenconsoled

    var binding: WritableKeyPath<SimulatedDomain, DaemonBinding?> {
      switch self {
      case .xenstored: \.xenstoredBinding
      case .xenconsoled: \.xenconsoledBinding
      }
    }
  }

  /// The daemon binds the guest's `port` with `xenevtchn_bind_interdomain`: only a port unbound for domain 0
  /// binds (as for any bind); otherwise the daemon is left holding nothing. Returns whether it bound.
  @discardableResult
  mutating func daemonBinds(_ daemon: Daemon, _ id: DomainID, port: UInt32) -> Bool {
    guard let domain = domains[id], !domain.isDying, domain.ports[port] == .unbound(remote: .dom0) else { return false }
    let local = eventChannels.bindDaemon(to: .init(domain: id, incarnation: domain.incarnation, port: port))
    domains[id]?.ports.bind(port, toDom0Port: local)
    domains[id]?[keyPath: daemon.binding] = DaemonBinding(localPort: local, guestPort: port)
    return true
  }

  /// The daemon unbinds its port for the guest, if it holds one; the guest's end, if still connected to it, waits
  /// for domain 0 again.
  mutating func daemonUnbinds(_ daemon: Daemon, _ id: DomainID) {
    guard let binding = domains[id]?[keyPath: daemon.binding] else { return }
    domains[id]?[keyPath: daemon.binding] = nil
    eventChannels.unbindDaemon(binding.localPort)
    if domains[id]?.ports[binding.guestPort] == .boundByDom0(remotePort: binding.localPort) {
      domains[id]?.ports.dom0Unbound(binding.guestPort)
    }
  }

  /// Whether the daemon's binding still connects to the guest's port (Xen closes the guest's end under it at a
  /// soft reset, and the daemon does not notice until it looks).
  func daemonIsConnected(_ daemon: Daemon, _ domain: SimulatedDomain) -> Bool {
    guard let binding = domain[keyPath: daemon.binding] else { return false }
    return domain.ports[binding.guestPort] == .boundByDom0(remotePort: binding.localPort)
  }

  /// XS_INTRODUCE, as C xenstored's `do_introduce` answers it: EINVAL for port 0; EINVAL for domain 0 (its own
  /// channel is not modelled) and for a domain that is gone or dying (mapping its ring fails). Every other
  /// simulated domain is one xenstored knows (it was introduced at creation): xenstored unbinds its old port and
  /// binds `storePort`, and when that bind fails it still acknowledges, holding no port. The store frame is ignored,
  /// as C xenstored ignores it (it maps the ring through the grant table). Then `domain_conn_reset`: the guest's
  /// xenstore transactions are dropped (its watches the guest model keeps implicitly: Linux adds them again when it
  /// resumes).
  mutating func introduceDomain(_ id: DomainID, storeFrame: UInt64, storePort: EventChannelPort) throws {
    try store.requireRunning(for: .dom0)
    guard storePort.rawValue != 0, id != .dom0 else { throw Errno.invalidArgument }
    guard let domain = domains[id], !domain.isDying else { throw Errno.invalidArgument }
    daemonUnbinds(.xenstored, id)
    daemonBinds(.xenstored, id, port: storePort.rawValue)
    store.endTransactions(of: id)
  }

  /// xenconsoled's watch on the guest's `console` directory fired: like its `console_create_ring`, it reads
  /// `console/port`; when the port is the one it holds and its binding still connects, nothing changes; otherwise
  /// it drops its binding and binds the named port, which binds only when the guest has it unbound for domain 0.
  mutating func xenconsoledReadsConsoleNode(of id: DomainID) {
    guard let domain = domains[id], domain.guest != nil, !domain.isDying,
      // Straight from the nodes: xenconsoled has its own connection, which `stopXenStored()` does not model.
      let value = store.nodes[XenStorePath.consolePort(of: id)]?.value, let port = UInt32(value), port != 0
    else { return }
    if domain.xenconsoledBinding?.guestPort == port, daemonIsConnected(.xenconsoled, domain) { return }
    daemonUnbinds(.xenconsoled, id)
    daemonBinds(.xenconsoled, id, port: port)
  }

  // MARK: The guest's channels

  /// Whether the guest's xenbus reaches xenstored: it is PV-aware, its xenbus did not give up, its channels were
  /// not closed under it, and the port it uses is the one xenstored is bound to.
  func guestXenStoreIsConnected(_ domain: SimulatedDomain) -> Bool {
    guard domain.guest?.type.isPVAware == true, !domain.xenbusDead, !domain.channelsResetUnderGuest,
      let port = domain.guestStorePort, domain.xenstoredBinding?.guestPort == port
    else { return false }
    return daemonIsConnected(.xenstored, domain)
  }

  /// Whether the guest's PV console reaches xenconsoled, likewise.
  func guestConsoleIsConnected(_ domain: SimulatedDomain) -> Bool {
    guard domain.guest?.type.isPVAware == true, !domain.channelsResetUnderGuest,
      let port = domain.guestConsolePort, domain.xenconsoledBinding?.guestPort == port
    else { return false }
    return daemonIsConnected(.xenconsoled, domain)
  }

  /// What the guest experienced, with the state of its channels as it finds them now.
  func observations(of id: DomainID) -> GuestObservations {
    guard let domain = domains[id] else { return GuestObservations() }
    var observations = domain.observations
    observations.xenstoreConnected = guestXenStoreIsConnected(domain)
    observations.consoleConnected = guestConsoleIsConnected(domain)
    observations.suspendsRemembered = domain.memory?.progressCount ?? 0
    return observations
  }
}
