import XenResumeCore

/// The toolstack's side of event channels: local ports in domain 0's port space.
///
/// Local ports start at `firstLocalPort` because a real domain 0 already uses the low ports (xenstored, consoles,
/// VIRQs); that also keeps them apart from guests' port numbers, so a local port passed where Xen expects the
/// guest's port is never right by accident.
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
  }

  private(set) var ports: [UInt32: LocalPort] = [:]
  private var numbers = LowestFreeNumbers(startingAt: firstLocalPort)

  var count: Int { ports.count }

  subscript(port: UInt32) -> LocalPort? {
    ports[port]
  }

  /// Binds a new local port to a remote end; like Xen it starts pending.
  mutating func bind(to remote: RemoteEnd) -> UInt32 {
    let port = numbers.allocate()
    ports[port] = LocalPort(remote: remote, isPending: true)
    return port
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
