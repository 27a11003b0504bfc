import SystemPackage
import XenResumeCore

/// Domain 0's side of event channels: the toolstack's local ports, and the ports xenstored and xenconsoled bound to
/// guests' xenstore and console ports, all in domain 0's one port space.
///
/// Ports start at `firstLocalPort` because a real domain 0 already uses the low ports (its own xenstore channel,
/// VIRQs); that also keeps them apart from guests' port numbers, so a local port passed where Xen expects the
/// guest's port is never right by accident. Only the toolstack's ports count as its bindings (`count`, `ports`):
/// the daemons' ports are theirs, and a toolstack call naming one fails as for a port it never bound.
struct SimulatedEventChannels {
  static let firstLocalPort: UInt32 = 64

  /// The remote end of a local port.
  struct RemoteEnd: Equatable {
    let domain: DomainID
    let incarnation: UInt64
    let port: UInt32
  }

  struct LocalPort {
    /// `nil` once the remote end closed (its domain died, or the guest closed its port): Xen then drops
    /// notifications silently.
    var remote: RemoteEnd?
    var isPending: Bool
    /// The domain the port was bound to, which Xen goes on naming once the remote end closed (the port is then
    /// unbound for that domain).
    let remoteDomain: DomainID
  }

  /// A port of domain 0 that is not the toolstack's.
  enum OtherPort {
    /// A daemon's binding to a guest's port: whether it still connects is read from the guest's port table.
    case daemon(RemoteEnd)
    /// Allocated unbound in domain 0 for `remote` (`EVTCHNOP_alloc_unbound` on domain 0).
    case unbound(remote: DomainID)
  }

  private(set) var ports: [UInt32: LocalPort] = [:]
  private(set) var otherPorts: [UInt32: OtherPort] = [:]
  private var numbers = LowestFreeNumbers(startingAt: firstLocalPort)

  var count: Int { ports.count }

  subscript(port: UInt32) -> LocalPort? {
    ports[port]
  }

  /// Binds a new local port to a remote end; like Xen it starts pending.
  mutating func bind(to remote: RemoteEnd) -> UInt32 {
    let port = numbers.allocate()
    ports[port] = LocalPort(remote: remote, isPending: true, remoteDomain: remote.domain)
    return port
  }

  /// A daemon (xenstored, xenconsoled) binds a new port of domain 0 to a guest's port.
  mutating func bindDaemon(to remote: RemoteEnd) -> UInt32 {
    let port = numbers.allocate()
    otherPorts[port] = .daemon(remote)
    return port
  }

  /// Allocates a port of domain 0 unbound for `remote`.
  mutating func allocateUnbound(for remote: DomainID) -> UInt32 {
    let port = numbers.allocate()
    otherPorts[port] = .unbound(remote: remote)
    return port
  }

  /// A daemon closes its port.
  mutating func unbindDaemon(_ port: UInt32) {
    guard otherPorts.removeValue(forKey: port) != nil else { return }
    numbers.free(port)
  }

  /// Unbinds a local port and returns what it was.
  mutating func unbind(_ port: UInt32) -> LocalPort? {
    guard let removed = ports.removeValue(forKey: port) else { return nil }
    numbers.free(port)
    return removed
  }

  /// The remote end closed.
  mutating func disconnect(_ port: UInt32) {
    ports[port]?.remote = nil
  }

  /// Consumes the pending bit.
  mutating func consumePending(_ port: UInt32) -> Bool {
    guard ports[port]?.isPending == true else { return false }
    ports[port]?.isPending = false
    return true
  }

  mutating func setPending(_ port: UInt32) {
    ports[port]?.isPending = true
  }
}
