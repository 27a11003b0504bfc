@_spi(XenHostBackends) import XenResumeCore

/// Event channels and the suspend lock.
extension NullXenHost {
  /// Binds the guest's advertised port; the new local port is pending once, as Xen leaves it.
  public func bindInterdomainEventChannel(to domain: DomainID, remotePort: EventChannelPort) throws
    -> EventChannelPort
  {
    try observed(.bindInterdomainEventChannel, domain) {
      try state.withLock { state in
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
  }

  /// `XEN_DOMCTL_subscribe`: the port, one of the guest's own as libxenguest passes it, is stored unchecked (0
  /// unsubscribes). While one is stored a suspend signals it, reaching our local port if that is the one we bound,
  /// instead of firing `@releaseDomain`.
  public func subscribeForSuspend(_ domain: DomainID, port: EventChannelPort) throws {
    try observed(.subscribeForSuspend, domain) {
      try state.withLock { state in
        let index = try state.existing(domain, .subscribeForSuspend)
        state.domains[index].subscribedPort = port.rawValue == 0 ? nil : port
      }
    }
  }

  /// The guest suspends at once; Xen then signals the subscribed port.
  public func notify(_ port: EventChannelPort) throws {
    let woken = try observed(.notify, nil) {
      try state.withLock { state -> Wakeups in
        let index = try state.boundDomain(port, .notify)
        guard case .running = state.domains[index].phase else { return Wakeups() }
        state.domains[index].suspendCooperatively()
        return state.domainShutDown(index, reason: .suspend)
      }
    }
    woken.resume()
  }

  /// Consumes the port's pending event.
  public func consumePendingEvent(on port: EventChannelPort) throws -> Bool {
    try observed(.consumePendingEvent, nil) {
      try state.withLock { state in
        let index = try state.boundDomain(port, .consumePendingEvent)
        defer { state.domains[index].portPending = false }
        return state.domains[index].portPending
      }
    }
  }

  /// Returns at once when the port is pending, otherwise suspends until it fires or the task is cancelled.
  public func waitForEvent(on port: EventChannelPort) async throws {
    try await observed(.waitForEvent, nil) {
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
  }

  /// Unbinds the port; a waiter on it gets `CancellationError`. The suspend subscription stays: in Xen it belongs
  /// to the domain, not to the binding.
  public func unbind(_ port: EventChannelPort) throws {
    let waiter = try observed(.unbind, nil) {
      try state.withLock { state in
        let index = try state.boundDomain(port, .unbind)
        state.domains[index].localPort = nil
        state.domains[index].portPending = false
        defer { state.domains[index].portWaiter = nil }
        return state.domains[index].portWaiter
      }
    }
    waiter?.resume(throwing: CancellationError())
  }

  // MARK: Cross-process locking

  /// Takes the domain's suspend lock; EAGAIN when it is held.
  public func acquireSuspendLock(for domain: DomainID) throws {
    try observed(.acquireSuspendLock, domain) {
      try state.withLock { state in
        let index = try state.existing(domain, .acquireSuspendLock)
        guard !state.domains[index].suspendLockHeld else {
          throw XenCallError(.acquireSuspendLock, domain: domain, errno: .resourceTemporarilyUnavailable)
        }
        state.domains[index].suspendLockHeld = true
      }
    }
  }

  /// Releases the domain's suspend lock; releasing a lock nobody holds is a mistake.
  public func releaseSuspendLock(for domain: DomainID) throws {
    try observed(.releaseSuspendLock, domain) {
      try state.withLock { state in
        let index = try state.existing(domain, .releaseSuspendLock)
        guard state.domains[index].suspendLockHeld else {
          throw NullXenHost.mistake(.releaseSuspendLock, domain, "the suspend lock is not held")
        }
        state.domains[index].suspendLockHeld = false
      }
    }
  }

  /// The next port of the guest's (1, 2, … after a soft reset), unbound for `remote`.
  public func allocateUnboundEventChannel(in domain: DomainID, remote: DomainID) throws -> EventChannelPort {
    try observed(.allocateUnboundEventChannel, domain) {
      try state.withLock { state in
        let index = try state.existing(domain, .allocateUnboundEventChannel)
        state.domains[index].allocatedPorts += 1
        return EventChannelPort(state.domains[index].allocatedPorts)
      }
    }
  }

  /// Bound to dom0 when xenstored bound it, unbound for dom0 when allocated, closed otherwise.
  public func eventChannelStatus(of domain: DomainID, port: EventChannelPort) throws -> EventChannelStatus {
    try observed(.eventChannelStatus, domain) {
      try state.withLock { state in
        let guest = state.domains[try state.existing(domain, .eventChannelStatus)]
        if guest.xenstoredPort == port { return .interdomain(remote: .dom0, remotePort: EventChannelPort(1)) }
        return port.rawValue >= 1 && port.rawValue <= guest.allocatedPorts ? .unbound(remote: .dom0) : .closed
      }
    }
  }
}
