import SystemPackage
@_spi(XenHostBackends) import XenResumeCore

/// The hostile guest models (`HostileGuest`): every one acts only through what Xen lets a guest touch, its own
/// xenstore nodes (permissions and xenstored's payload limit apply), its own event channels and its own memory.
extension SimulatorState {
  /// A port number past anything a simulated guest allocates (its xenstore and console channels, then suspend
  /// ports counting up from `GuestSuspendPort.number`), and past its valid ports (`GuestPortTable.bucketSize`).
  static let nonexistentGuestPort: UInt32 = 4000

  /// Makes a guest hostile; a standing hostility (an advertised port) takes effect at once, as if the guest had
  /// just written its node.
  mutating func makeHostile(_ id: DomainID, _ hostility: HostileGuest) {
    guard let domain = domains[id], let guest = domain.guest, guest.type.isPVAware else {
      preconditionFailure("domain \(id) has no PV-aware guest to make hostile")
    }
    if case .corruptsMemoryWhileSuspended(let corruption) = hostility {
      precondition(domain.type == .pv, "only a PV guest's memory holds structures a toolstack reads")
      precondition(
        corruption != .p2mFrameListCycle || domain.memory?.p2mLayout == .threeLevel,
        "a frame-list cycle needs a three-level p2m")
    }
    if case .watchStorm(let writes, let period) = hostility {
      // A storm tick that came round at once would never let the machine settle.
      precondition(writes > 0 && period > .zero, "a watch storm writes at least once per tick, with time between")
    }
    domains[id]?.hostility = hostility
    switch hostility {
    case .advertisesPort(.nonexistent):
      closeSuspendPort(of: id)
      advertisePortNumber(Self.nonexistentGuestPort, of: id)
    case .advertisesPort(.anotherGuests(let other)):
      guard other != id, let number = domains[other]?.suspendPort?.number else {
        preconditionFailure("domain \(other) is another guest with a suspend port")
      }
      closeSuspendPort(of: id)
      advertisePortNumber(number, of: id)
    case .advertisesPort(.changesOnEveryRead), .readvertisesPortWhenNotified:
      advertiseNewSuspendPort(id)
    case .answersControlNode, .watchStorm, .rewritesControlNodeOnEveryRead, .crashesWhenResumed,
      .corruptsMemoryWhileSuspended:
      break
    }
  }

  // MARK: control/shutdown

  /// A hostile guest saw "suspend" on its control node: answers it its own way and returns `true`, or returns
  /// `false` to let its behaviour answer.
  mutating func guestAnswersHostilely(_ id: DomainID) -> Bool {
    switch domains[id]?.hostility {
    case .answersControlNode(let value):
      domains[id]?.observations.suspendRequestsSeen += 1
      let path = XenStorePath.controlShutdown(of: id)
      do {
        try guestWrite(path, value: value.text(for: path), as: id)
        domains[id]?.observations.acknowledgements += 1
      } catch {
        domains[id]?.observations.acknowledgementsRefused += 1
      }
      return true
    case .watchStorm:
      domains[id]?.observations.suspendRequestsSeen += 1
      if domains[id]?.hostileTickScheduled == false { guestStormsControlNode(id) }
      return true
    case .rewritesControlNodeOnEveryRead:
      domains[id]?.observations.suspendRequestsSeen += 1
      return true
    default:
      return false
    }
  }

  /// One tick of a watch storm: while the request is still out, write it again and again (each write fires the
  /// toolstack's watch), then come back after the storm's period. Ends once the node says anything else.
  mutating func guestStormsControlNode(_ id: DomainID) {
    domains[id]?.hostileTickScheduled = false
    guard case .watchStorm(let writes, let period) = domains[id]?.hostility else { return }
    let path = XenStorePath.controlShutdown(of: id)
    guard (try? guestRead(path, as: id)) == "suspend" else { return }
    for _ in 0..<writes {
      guard (try? guestWrite(path, value: "suspend", as: id)) != nil else { break }
      domains[id]?.observations.controlNodeRewrites += 1
    }
    domains[id]?.hostileTickScheduled = true
    trigger(.hostileTick, for: id, after: period)
  }

  // MARK: Suspend ports

  /// Closes the guest's suspend port (a binding to it loses its remote end) and advertises a newly allocated one
  /// with the next number (the next free one from there in its port table).
  mutating func advertiseNewSuspendPort(_ id: DomainID) {
    guard let wanted = domains[id]?.nextHostilePort else { return }
    closeSuspendPort(of: id)
    guard let number = domains[id]?.ports.allocate(atOrAbove: wanted, unboundFor: .dom0) else { return }
    domains[id]?.nextHostilePort = number + 1
    domains[id]?.suspendPort = GuestSuspendPort(number: number)
    domains[id]?.observations.suspendPortsReadvertised += 1
    advertisePortNumber(number, of: id)
  }

  private mutating func advertisePortNumber(_ number: UInt32, of id: DomainID) {
    domains[id]?.observations.advertisedSuspendPort = EventChannelPort(number)
    try? guestWrite(XenStorePath.suspendEventChannel(of: id), value: String(number), as: id)
  }

  /// Domain 0 read a node: a guest whose advertised port changes on every read replaces it straight away, and one
  /// that rewrites its control node on every read writes the request there again.
  mutating func guestsNoticeToolstackRead(of path: String) {
    if let id = XenStorePaths.domainOfControlShutdown(path),
      domains[id]?.hostility == .rewritesControlNodeOnEveryRead, domains[id]?.guestCanReact == true,
      (try? guestRead(path, as: id)) == "suspend", (try? guestWrite(path, value: "suspend", as: id)) != nil
    {
      domains[id]?.observations.controlNodeRewrites += 1
      return
    }
    guard let id = XenStorePaths.domainOfSuspendEventChannel(path),
      domains[id]?.hostility == .advertisesPort(.changesOnEveryRead), domains[id]?.guestCanReact == true
    else { return }
    advertiseNewSuspendPort(id)
  }

  // MARK: Waking

  /// A guest that crashes as soon as it runs again after its suspend: Xen records shutdown reason crash.
  mutating func guestCrashesOnceResumed(_ id: DomainID) {
    guard var domain = domains[id] else { return }
    domain.observations.phase = .dead
    domain.suspendInProgress = false
    domain.corrupt("the guest crashed as soon as it ran again after its suspend")
    domains[id] = domain
    shutDown(id, reason: .crash, byGuest: true)
  }
}

extension GuestMemory {
  /// The damage a hostile corruption does to this guest's own structures.
  func damage(for corruption: HostileMemoryCorruption) -> GuestMemoryDamage {
    switch corruption {
    case .p2mEntryOutsideItsMemory:
      // Below the first machine frame the simulator gives any domain: nobody owns it.
      .p2mEntry(pfn: Self.storeRingPFN, value: Self.firstMachineFrame - 0x100)
    case .p2mEntryToDom0Frame:
      // Inside the window of machine frames the simulator numbers as domain 0's.
      .p2mEntry(pfn: Self.storeRingPFN, value: Self.firstMachineFrame + 0x10)
    case .p2mFrameListCycle:
      .frameListEntry(index: 0, value: machineFrame(ofPFN: Self.frameListPFN))
    case .startInfoMagic:
      .startInfoMagic("\u{7}not-xen\u{1B}[2J")
    case .startInfoRingFrames:
      .startInfoRingFields(store: 0xDEAD_BEEF, console: 0x0BAD_F00D)
    }
  }
}
