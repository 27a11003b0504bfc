import SystemPackage
import XenResumeCore

/// A guest's event channel port space, as Xen keeps it (`struct evtchn` of each port of the domain).
///
/// One table for every channel of the guest: its xenstore and console ports, its suspend port, and whatever a
/// toolstack allocates in it. Ports are handed out lowest free first from 1 (port 0 is reserved), as Xen's
/// `get_free_port` does, so after `XEN_DOMCTL_soft_reset` closed them all, allocations start at 1 again.
struct GuestPortTable {
  /// The state of one open port, the guest's end of a channel.
  enum State: Hashable {
    /// Allocated for `remote` to bind (`EVTCHNOP_alloc_unbound`).
    case unbound(remote: DomainID)
    /// Connected to port `remotePort` of domain 0: a toolstack's local port, or xenstored's or xenconsoled's.
    case boundByDom0(remotePort: UInt32)
  }

  /// The xenstore port a domain builder allocates first (`start_info.store_evtchn`, `HVM_PARAM_STORE_EVTCHN`).
  static let bootStorePort: UInt32 = 1
  /// The console port it allocates next.
  static let bootConsolePort: UInt32 = 2

  /// Ports are valid in buckets of this many (`EVTCHNS_PER_BUCKET`: a 4 KiB page of 64-byte `struct evtchn`);
  /// `xc_evtchn_status` of a port past the last bucket allocated is EINVAL, of a free one below it "closed".
  static let bucketSize: UInt32 = 64

  private(set) var ports: [UInt32: State] = [:]
  private var numbers = LowestFreeNumbers(startingAt: 1)
  /// `d->valid_evtchns`: grows a bucket at a time and never shrinks, not even at a soft reset.
  private(set) var validPortLimit: UInt32 = bucketSize

  subscript(port: UInt32) -> State? {
    ports[port]
  }

  /// Allocates the lowest free port, unbound for `remote`.
  mutating func allocate(unboundFor remote: DomainID) -> UInt32 {
    let port = numbers.allocate()
    open(port, unboundFor: remote)
    return port
  }

  /// Allocates a chosen port, or the next free one above it when it is taken: only for hostile guests, whose
  /// moving port numbers stand for a guest that keeps other ports busy so that it never gets an old number back.
  mutating func allocate(atOrAbove wanted: UInt32, unboundFor remote: DomainID) -> UInt32 {
    var port = max(wanted, 1)
    while ports[port] != nil { port += 1 }
    numbers.take(port)
    open(port, unboundFor: remote)
    return port
  }

  private mutating func open(_ port: UInt32, unboundFor remote: DomainID) {
    ports[port] = .unbound(remote: remote)
    while port >= validPortLimit { validPortLimit += Self.bucketSize }
  }

  /// Domain 0 bound an unbound port of the guest from its local port `remotePort`.
  mutating func bind(_ port: UInt32, toDom0Port remotePort: UInt32) {
    ports[port] = .boundByDom0(remotePort: remotePort)
  }

  /// Domain 0 closed its end: the guest's end waits for domain 0 again, as Xen leaves it.
  mutating func dom0Unbound(_ port: UInt32) {
    ports[port] = .unbound(remote: .dom0)
  }

  /// Closes a port and returns what it was.
  @discardableResult
  mutating func close(_ port: UInt32) -> State? {
    guard let state = ports.removeValue(forKey: port) else { return nil }
    numbers.free(port)
    return state
  }

  /// Closes every port (`evtchn_reset`, or the domain dying) and returns what they were.
  mutating func closeAll() -> [UInt32: State] {
    let closed = ports
    for port in closed.keys { numbers.free(port) }
    ports.removeAll()
    return closed
  }

  /// The port as `xc_evtchn_status` reports it. EINVAL past the valid ports; port 0 is reserved, which Xen reports
  /// as closed.
  func status(of port: UInt32) throws -> EventChannelStatus {
    guard port < validPortLimit else { throw Errno.invalidArgument }
    switch ports[port] {
    case nil: return .closed
    case .unbound(let remote): return .unbound(remote: remote)
    case .boundByDom0(let remotePort): return .interdomain(remote: .dom0, remotePort: EventChannelPort(remotePort))
    }
  }
}
