@_spi(XenHostBackends) import XenResumeCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Everything the null host knows, behind its one lock: the domains, xenstore beyond the guests' own nodes, open
/// transactions and watches.
///
/// Domain, port and node look-ups are arithmetic or a parse of the path's bytes, never a table search, so that the
/// hot paths stay free of allocations. xenstore's other nodes and transactions (`NullXenStore.swift`) and watches
/// (`NullWatch.swift`) are extensions of it.
struct NullHostState {
  var domains: [NullDomain] = []
  var watches: [NullWatch] = []
  /// Nodes other than the guests' own three, by path.
  var nodes: [String: NullNode] = [:]
  var transactions: [NullTransaction] = []
  /// xenstored's generation count: every change takes the next number, which transactions compare at commit.
  var generation: UInt64 = 0
  var nextTransaction: UInt32 = 0
  var nextWatch: UInt64 = 0

  init() {
    // Room for a long run's domains and a few watches, so that steady state never grows an array.
    domains.reserveCapacity(256)
    watches.reserveCapacity(8)
  }

  func index(of domain: DomainID) -> Int? {
    let index = Int(domain.rawValue) - 1
    return domains.indices.contains(index) ? index : nil
  }

  /// The domain's index; ESRCH for a domain that does not exist, as Xen answers.
  func existing(_ domain: DomainID, _ operation: XenHostOperation) throws -> Int {
    guard let index = index(of: domain) else {
      throw XenCallError(operation, domain: domain, errno: .noSuchProcess)
    }
    return index
  }

  /// The domain whose suspend port is bound to `port`.
  func boundDomain(_ port: EventChannelPort, _ operation: XenHostOperation) throws -> Int {
    guard let index = NullDomain.index(ofLocalPort: port), domains.indices.contains(index),
      domains[index].localPort == port
    else {
      throw NullXenHost.mistake(operation, nil, "port \(port) is not bound")
    }
    return index
  }

  /// Parses `/local/domain/<id>/<node>` for the nodes the null guests have, over the string's contiguous UTF-8
  /// bytes: no allocation, and no generic `String.UTF8View` walking, which showed up in profiles of the null host.
  func node(_ path: String) -> (Int, NullDomain.Node)? {
    let parsed = path.utf8.withContiguousStorageIfAvailable { bytes -> (UInt32, NullDomain.Node)? in
      let prefix: StaticString = "/local/domain/"
      guard bytes.count > prefix.utf8CodeUnitCount, Bytes.hasPrefix(bytes, prefix) else { return nil }
      var position = prefix.utf8CodeUnitCount
      var id: UInt32 = 0
      while position < bytes.count, position - prefix.utf8CodeUnitCount < 6, bytes[position] >= UInt8(ascii: "0"),
        bytes[position] <= UInt8(ascii: "9")
      {
        id = id * 10 + UInt32(bytes[position] - UInt8(ascii: "0"))
        position += 1
      }
      guard position > prefix.utf8CodeUnitCount, position < bytes.count, bytes[position] == UInt8(ascii: "/") else {
        return nil
      }
      let rest = UnsafeBufferPointer(rebasing: bytes[(position + 1)...])
      for node in NullDomain.Node.allCases where Bytes.equal(rest, node.relativePath) {
        return (id, node)
      }
      return nil
    }
    guard let (id, node) = parsed ?? nil, let index = index(of: DomainID(id)) else { return nil }
    return (index, node)
  }

  /// A guest sees `suspend` on its control node: a PV-aware guest acknowledges and suspends; a guest without PV
  /// drivers never looks.
  mutating func deliverSuspendRequest(to index: Int, path: String) -> Wakeups {
    var woken = fireWatches(path)
    guard domains[index].guest.type.isPVAware, case .running = domains[index].phase else { return woken }
    setGuestNode(index, .controlShutdown, to: "")
    woken.merge(fireWatches(path))
    domains[index].suspendCooperatively()
    woken.merge(domainShutDown(index, reason: .suspend))
    return woken
  }

  /// Changes one of a guest's own nodes, which takes the next generation.
  mutating func setGuestNode(_ index: Int, _ node: NullDomain.Node, to value: String?) {
    generation &+= 1
    domains[index].write(value, to: node, generation: generation)
  }

  /// What Xen does once a domain is shut down (`__domain_finalise_shutdown`): for a suspend with a port subscribed,
  /// it sends from that guest port, which reaches our local port if we bound it and is dropped otherwise;
  /// otherwise it raises `VIRQ_DOM_EXC`, and xenstored fires `@releaseDomain` if it had not yet latched this
  /// domain's shutdown (the latch that only XS_RESUME clears).
  mutating func domainShutDown(_ index: Int, reason: ShutdownReason) -> Wakeups {
    var woken = Wakeups()
    if reason == .suspend, let subscribed = domains[index].subscribedPort {
      guard subscribed == domains[index].remotePort, domains[index].localPort != nil else { return woken }
      if let waiter = domains[index].portWaiter {
        domains[index].portWaiter = nil
        woken.add(waiter)
      } else {
        domains[index].portPending = true
      }
      return woken
    }
    guard domains[index].releaseDomainArmed else { return woken }
    domains[index].releaseDomainArmed = false
    return fireWatches(XenStorePath.releaseDomain)
  }

  /// Whether the port had fired (consuming it); otherwise parks `waiter` (when given) to wait.
  mutating func takePortEvent(_ port: EventChannelPort, waiter: UnsafeContinuation<Void, any Error>?) throws -> Bool {
    let index = try boundDomain(port, .waitForEvent)
    if domains[index].portPending {
      domains[index].portPending = false
      return true
    }
    guard let waiter else { return false }
    if Task.isCancelled { throw CancellationError() }
    guard domains[index].portWaiter == nil else {
      throw NullXenHost.mistake(.waitForEvent, nil, "two readers wait on port \(port)")
    }
    domains[index].portWaiter = waiter
    return false
  }

  mutating func takePortWaiter(_ port: EventChannelPort) -> UnsafeContinuation<Void, any Error>? {
    guard let index = NullDomain.index(ofLocalPort: port), domains.indices.contains(index) else { return nil }
    defer { domains[index].portWaiter = nil }
    return domains[index].portWaiter
  }
}

/// Byte comparisons against string literals.
enum Bytes {
  static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ prefix: StaticString) -> Bool {
    bytes.count >= prefix.utf8CodeUnitCount
      && memcmp(bytes.baseAddress!, prefix.utf8Start, prefix.utf8CodeUnitCount) == 0
  }

  static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
    bytes.count == literal.utf8CodeUnitCount && hasPrefix(bytes, literal)
  }
}
