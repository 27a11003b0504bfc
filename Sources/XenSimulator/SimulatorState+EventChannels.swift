import SystemPackage
import XenResumeCore

/// Interdomain event channels between the toolstack's local ports and guests' suspend ports.
extension SimulatorState {
  /// `EVTCHNOP_bind_interdomain`: the remote port must be one the guest allocated for domain 0 and nobody bound yet
  /// (Xen answers EINVAL otherwise, also for a second bind to the same remote port). The new local port starts
  /// pending.
  mutating func bindInterdomainEventChannel(to id: DomainID, remotePort: EventChannelPort) throws -> EventChannelPort {
    let domain = try existingDomain(id)
    guard !domain.isDying, let port = domain.suspendPort, port.number == remotePort.rawValue,
      port.binding == .awaitingToolstack
    else { throw Errno.invalidArgument }
    let local = eventChannels.bind(
      to: .init(domain: id, incarnation: domain.incarnation, port: port.number))
    domains[id]?.suspendPort?.binding = .bound(localPort: local)
    return EventChannelPort(local)
  }

  /// `XEN_DOMCTL_subscribe`: Xen stores the port unchecked, as a port of the *guest* (0 unsubscribes). When the
  /// domain suspends, Xen sends from that guest port to whatever it is bound to, instead of raising `VIRQ_DOM_EXC`.
  mutating func subscribeForSuspend(_ id: DomainID, port: EventChannelPort) throws {
    _ = try existingDomain(id)
    domains[id]?.subscribedSuspendPort = port.rawValue
  }

  /// `evtchn_send` from a guest port: reaches the local port it is bound to; dropped silently otherwise.
  mutating func sendFromGuestPort(_ number: UInt32, of id: DomainID) {
    guard let port = domains[id]?.suspendPort, port.number == number,
      case .bound(let local) = port.binding
    else { return }
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
  /// notification silently, as Xen does.
  mutating func notify(_ port: EventChannelPort) throws {
    guard let local = eventChannels[port.rawValue] else { throw Errno.socketNotConnected }
    guard let remote = local.remote, let domain = domains[remote.domain], domain.incarnation == remote.incarnation,
      domain.suspendPort?.binding == .bound(localPort: port.rawValue)
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
      domains[remote.domain]?.suspendPort?.binding == .bound(localPort: port.rawValue)
    {
      domains[remote.domain]?.suspendPort?.binding = .awaitingToolstack
    }
    for _ in 0..<portWaiters.count(under: port.rawValue) {
      record(.waitForEvent, domain: nil, { .port(port) }, .failed(.socketNotConnected, injected: false))
    }
    let error = XenCallError(.waitForEvent, errno: .socketNotConnected, hint: "the port was unbound")
    portWaiters.takeAll(under: port.rawValue, resumingWith: .failure(error), into: &effects.portResumptions)
  }

  /// The guest closes its suspend port (it died, or re-creates its channels after a resume as a new domain): a
  /// local port bound to it loses its remote end.
  mutating func closeGuestEventChannels(of id: DomainID) {
    guard let port = domains[id]?.suspendPort else { return }
    if case .bound(let local) = port.binding { eventChannels.disconnect(local) }
    domains[id]?.suspendPort = nil
  }
}
