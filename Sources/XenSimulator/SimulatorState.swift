import DequeModule
import SystemPackage
@_spi(XenHostBackends) import XenResumeCore

/// What must happen after the host releases its lock: waiting tasks to resume and guest reactions to schedule.
struct PendingEffects: Sendable {
  var watchResumptions = Resumptions<String>()
  var portResumptions = Resumptions<Void>()
  var scheduledWork: [(delay: Duration, work: GuestWork)] = []

  var isEmpty: Bool { watchResumptions.isEmpty && portResumptions.isEmpty && scheduledWork.isEmpty }
}

/// Everything the simulated host knows, kept in one value behind one lock.
///
/// Host calls mutate it synchronously; guest reactions triggered by a call are queued in `guestWork` and run
/// before the call returns (or are scheduled on the clock when the guest reacts with a delay), so one call is one
/// atomic step of the simulated machine.
struct SimulatorState {
  var domains: [DomainID: SimulatedDomain] = [:]
  var domainIDs = DomainIDAllocator()
  var nextIncarnation: UInt64 = 1
  var store = SimulatedXenStore()
  var watches = XenStoreWatchRegistry()
  /// Tasks in `nextWatchEvent`, under the watch they wait on.
  var watchWaiters = WaiterTable<XenStoreWatchID, String>()
  var eventChannels = SimulatedEventChannels()
  /// Tasks in `waitForEvent`, under the local port they wait on.
  var portWaiters = WaiterTable<UInt32, Void>()
  var suspendLocks = SuspendLocks()
  var trace = HostCallTrace()
  var defaultReactionDelays: GuestReactionDelays
  /// The Xen release whose rules differ where releases differ.
  let release: SimulatedXenRelease
  var guestWork = Deque<GuestWork>()
  var effects = PendingEffects()
  /// Domains Xen reports shut down whose shutdown xenstored has not noticed yet: what its next `VIRQ_DOM_EXC`
  /// scan will find. A set, so that the scan does not walk every domain.
  var unnoticedShutdowns: Set<DomainID> = []

  init(reactionDelays: GuestReactionDelays, release: SimulatedXenRelease) {
    defaultReactionDelays = reactionDelays
    self.release = release
    domains[.dom0] = SimulatedDomain(id: .dom0, incarnation: 0, guest: nil)
    // xen-init-dom0 and xenstored set up domain 0's home.
    createToolstackNode(XenStorePath.home(of: .dom0), permissions: [XenStorePermission(domain: .dom0, access: .read)])
    createToolstackNode(XenStorePath.home(of: .dom0) + "/domid", value: "0")
    // xen-init-dom0 names dom0 too, which is what `xl list` shows for it.
    createToolstackNode(XenStorePath.home(of: .dom0) + "/name", value: "Domain-0")
  }

  mutating func takeEffects() -> PendingEffects {
    defer { effects = PendingEffects() }
    return effects
  }

  /// Records a finished host call when tracing is on; the arguments are only built then.
  mutating func record(
    _ operation: XenHostOperation,
    domain: DomainID?,
    _ arguments: () -> HostCallArguments,
    _ outcome: @autoclosure () -> HostCallOutcome
  ) {
    guard trace.isEnabled else { return }
    trace.append(operation, domain: domain, arguments: arguments(), outcome: outcome())
  }

  /// The domain a domain-scoped call is about; ESRCH when it does not exist.
  func existingDomain(_ id: DomainID) throws -> SimulatedDomain {
    guard let domain = domains[id] else { throw Errno.noSuchProcess }
    return domain
  }

  /// The reaction delays in force for a guest.
  func reactionDelays(of id: DomainID) -> GuestReactionDelays {
    domains[id]?.reactionDelays ?? defaultReactionDelays
  }

  // MARK: Domain creation and destruction

  /// Creates a domain as `xl create` would: the hypervisor's domain, its xenstore home as libxl writes it, and the
  /// guest booting (writing its features, connecting its drivers, advertising its suspend port).
  mutating func createDomain(_ guest: SimulatedGuest, name: String? = nil) -> DomainID {
    guard let id = domainIDs.allocate(avoiding: domains) else {
      preconditionFailure("the simulated host has no free domain id left")
    }
    createDomain(guest, id: id, name: name)
    return id
  }

  /// `XEN_DOMCTL_createdomain` with a requested id, as Xen allows for a free guest id: EEXIST when the id is in
  /// use, EINVAL for domain 0 and reserved ids.
  mutating func createDomain(_ guest: SimulatedGuest, requestedID id: DomainID) throws {
    guard id != .dom0, id.rawValue <= DomainID.maximumGuestID.rawValue else { throw Errno.invalidArgument }
    guard domains[id] == nil else { throw Errno.fileExists }
    createDomain(guest, id: id)
  }

  private mutating func createDomain(_ guest: SimulatedGuest, id: DomainID, name: String? = nil) {
    var domain = SimulatedDomain(id: id, incarnation: nextIncarnation, guest: guest)
    nextIncarnation += 1
    // The domain builder's channels, as libxl allocates them for every type: xenstore, then console.
    let storePort = domain.ports.allocate(unboundFor: .dom0)
    let consolePort = domain.ports.allocate(unboundFor: .dom0)
    assert(storePort == GuestPortTable.bootStorePort && consolePort == GuestPortTable.bootConsolePort)
    domain.guestStorePort = storePort
    domain.guestConsolePort = consolePort
    domains[id] = domain
    // libxl's xs_introduce_domain: xenstored binds the store port. xenconsoled binds the console port once libxl
    // writes `console/port` below.
    daemonBinds(.xenstored, id, port: storePort)
    createXenStoreHome(of: id, guest: guest, name: name ?? "simulated-\(id.rawValue)")
    fireSpecialWatch(XenStorePaths.introduceDomain)
    if guest.type.isPVAware { guestBoots(id) }
  }

  /// The nodes libxl creates for a new domain: its home and `control` readable by the guest, and guest-owned
  /// `control/shutdown`, `control/feature-suspend`, `device`, `device/suspend/event-channel` (empty: no channel)
  /// and, for guests with PV drivers, a network frontend.
  private mutating func createXenStoreHome(of id: DomainID, guest: SimulatedGuest, name: String) {
    let home = XenStorePath.home(of: id)
    let readOnly = [XenStorePermission(domain: .dom0, access: .none), XenStorePermission(domain: id, access: .read)]
    let guestOwned = [XenStorePermission(domain: id, access: .none)]
    createToolstackNode(home, permissions: readOnly)
    createToolstackNode(home + "/domid", value: String(id.rawValue), permissions: readOnly)
    createToolstackNode(home + "/name", value: name, permissions: readOnly)
    createToolstackNode(home + "/control", permissions: readOnly)
    createToolstackNode(XenStorePath.controlShutdown(of: id), permissions: guestOwned)
    createToolstackNode(XenStorePath.featureSuspend(of: id), permissions: guestOwned)
    createToolstackNode(home + "/device", permissions: guestOwned)
    createToolstackNode(XenStorePath.suspendEventChannel(of: id), permissions: guestOwned)
    // The primary console: its ring and port, which xenconsoled reads when the node changes.
    let ringFrame = guest.type == .pv ? domains[id]?.memory?.consoleRingFrame : GuestMemory.consoleRingPFN
    createToolstackNode(home + "/console", permissions: readOnly)
    createToolstackNode(home + "/console/ring-ref", value: String(ringFrame ?? 0), permissions: readOnly)
    createToolstackNode(
      XenStorePath.consolePort(of: id), value: String(GuestPortTable.bootConsolePort), permissions: readOnly)
    if guest.type.isPVAware {
      let frontend = home + "/device/vif/0"
      let frontendPermissions = [
        XenStorePermission(domain: id, access: .none), XenStorePermission(domain: .dom0, access: .read),
      ]
      createToolstackNode(frontend, permissions: frontendPermissions)
      createToolstackNode(frontend + "/state", value: "1", permissions: frontendPermissions)
    }
  }

  /// Writes a node as the toolstack and sets its permissions, firing watches.
  mutating func createToolstackNode(
    _ path: String, value: String = "", permissions: [XenStorePermission]? = nil
  ) {
    var changes = (try? store.write(path, value: value, caller: .dom0, transaction: .none)) ?? []
    if let permissions {
      changes += (try? store.setPermissions(path, permissions, caller: .dom0, transaction: .none)) ?? []
    }
    publish(changes, writer: .dom0)
  }

  /// Destroys a domain (`xl destroy`): Xen kills it (dying; its event channels close), libxl removes its xenstore
  /// home, xenstored fires `@releaseDomain`. With `lingering` the domain stays visible as dying, as a domain whose
  /// pages are still referenced does, until destroyed again.
  mutating func destroyDomain(_ id: DomainID, lingering: Bool) throws {
    guard id != .dom0 else { throw Errno.invalidArgument }
    let domain = try existingDomain(id)
    if !domain.isDying {
      domains[id]?.isDying = true
      closeAllEventChannels(of: id)
      // xenstored and xenconsoled let go of the domain once it dies.
      daemonUnbinds(.xenstored, id)
      daemonUnbinds(.xenconsoled, id)
      let home = XenStorePath.home(of: id)
      publish((try? store.remove(home, caller: .dom0, transaction: .none)) ?? [], writer: .dom0)
      unnoticedShutdowns.remove(id)
      // domain_kill raises VIRQ_DOM_EXC: xenstored notices any other shutdown on the way, cleans the dying domain
      // up and fires @releaseDomain whatever its latch says, once for all of it.
      xenstoredScansDomains(firing: false)
      fireSpecialWatch(XenStorePath.releaseDomain)
    }
    if !lingering {
      domains[id] = nil
    }
  }

  // MARK: Pausing

  mutating func pauseDomain(_ id: DomainID) throws {
    guard id != .dom0 else { throw Errno.invalidArgument }
    _ = try existingDomain(id)
    domains[id]?.controllerPauseCount += 1
  }

  mutating func unpauseDomain(_ id: DomainID) throws {
    let domain = try existingDomain(id)
    guard domain.controllerPauseCount > 0 else { throw Errno.invalidArgument }
    domains[id]?.controllerPauseCount -= 1
    if domains[id]?.isRunning == true { guestRunsAgain(id) }
  }
}
