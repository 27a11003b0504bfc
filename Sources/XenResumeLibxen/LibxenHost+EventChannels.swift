internal import CXen
@_spi(XenHostBackends) import XenResumeCore

extension LibxenHost {
  /// `xenevtchn_bind_interdomain`; the first call starts the event reader thread.
  public func bindInterdomainEventChannel(to domain: DomainID, remotePort: EventChannelPort) throws
    -> EventChannelPort
  {
    try callObservers.observe(.bindInterdomainEventChannel, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .bindInterdomainEventChannel)
      return try eventChannels.bind(to: domain, domainID: domid, remotePort: remotePort)
    }
  }

  /// `xc_domain_subscribe_for_suspend`.
  ///
  /// Xen records the port in the *guest's* table (`XEN_DOMCTL_subscribe`) and signals it from the guest's side when
  /// the domain suspends, which reaches us on the local end of the binding. libxenguest therefore passes the guest's
  /// (remote) port here, and so must callers: the port is handed to Xen unchanged.
  public func subscribeForSuspend(_ domain: DomainID, port: EventChannelPort) throws {
    try callObservers.observe(.subscribeForSuspend, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .subscribeForSuspend)
      _ = try controlCall(.subscribeForSuspend, domain: domain, hint: "port \(port)") { xch in
        xc_domain_subscribe_for_suspend(xch, domid, port.rawValue)
      }
    }
  }

  /// `xenevtchn_notify`.
  public func notify(_ port: EventChannelPort) throws {
    try callObservers.observe(.notify, domain: nil) {
      try eventChannels.notify(port)
    }
  }

  /// Reads every event the device has ready without blocking (recording those of other ports), then consumes this
  /// port's. A port this host did not bind throws errno ENOTCONN.
  public func consumePendingEvent(on port: EventChannelPort) throws -> Bool {
    try callObservers.observe(.consumePendingEvent, domain: nil) {
      try eventChannels.consumePendingEvent(on: port)
    }
  }

  /// Waits for the event reader thread to see the port fire, or returns at once if it already has.
  /// A port this host did not bind (or unbinds while waiting) throws errno ENOTCONN.
  public func waitForEvent(on port: EventChannelPort) async throws {
    try await callObservers.observe(.waitForEvent, domain: nil) {
      try await eventChannels.waitForEvent(on: port)
    }
  }

  /// `xenevtchn_unbind`.
  public func unbind(_ port: EventChannelPort) throws {
    try callObservers.observe(.unbind, domain: nil) {
      try eventChannels.unbind(port)
    }
  }

  /// `xc_evtchn_alloc_unbound`, through the control interface: the port is allocated in `domain`'s space, for
  /// `remote` to bind.
  public func allocateUnboundEventChannel(in domain: DomainID, remote: DomainID) throws -> EventChannelPort {
    try callObservers.observe(.allocateUnboundEventChannel, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .allocateUnboundEventChannel)
      let remoteID = try LibxenTypes.domainID(remote, for: .allocateUnboundEventChannel)
      let port = try controlCall(.allocateUnboundEventChannel, domain: domain, hint: "for domain \(remote)") { xch in
        xc_evtchn_alloc_unbound(xch, domid, remoteID)
      }
      return EventChannelPort(UInt32(port))
    }
  }

  /// `xc_evtchn_status`, its answer copied into the model's `EventChannelStatus`.
  public func eventChannelStatus(of domain: DomainID, port: EventChannelPort) throws -> EventChannelStatus {
    try callObservers.observe(.eventChannelStatus, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .eventChannelStatus)
      var status = xc_evtchn_status_t()
      status.dom = domid_t(domid)
      status.port = port.rawValue
      _ = try controlCall(.eventChannelStatus, domain: domain, hint: "port \(port)") { xch in
        xc_evtchn_status(xch, &status)
      }
      switch Int32(status.status) {
      case EVTCHNSTAT_closed: return .closed
      case EVTCHNSTAT_unbound: return .unbound(remote: DomainID(UInt32(status.u.unbound.dom)))
      case EVTCHNSTAT_interdomain:
        return .interdomain(
          remote: DomainID(UInt32(status.u.interdomain.dom)),
          remotePort: EventChannelPort(status.u.interdomain.port))
      case EVTCHNSTAT_pirq: return .physicalIRQ
      case EVTCHNSTAT_virq: return .virtualIRQ
      case EVTCHNSTAT_ipi: return .interProcessor
      default:
        throw XenCallError(
          .eventChannelStatus, domain: domain, errno: .invalidArgument,
          hint: "port \(port): Xen reported status \(status.status), which this library does not know")
      }
    }
  }
}
