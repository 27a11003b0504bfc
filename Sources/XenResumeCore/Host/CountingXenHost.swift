import Synchronization

/// Wraps any `XenHost` and counts its calls by operation, so a tool or a benchmark can report host calls per
/// suspend/resume cycle on the simulator and on real Xen alike. With `recording` it also keeps the order of the
/// calls, to check a path's exact sequence against the C toolstack's.
public final class CountingXenHost: XenHost {
  private struct Tally {
    var counts = [Int](repeating: 0, count: XenHostOperation.allCases.count)
    var sequence: [XenHostOperation] = []
  }

  /// The host every call goes to.
  public let base: any XenHost
  /// Whether every call's operation is appended to `recordedOperations` (memory grows with the calls).
  public let recording: Bool
  private let tallies = Mutex(Tally())

  /// Counts the calls made to `base`, and records their order when `recording` is set.
  public init(_ base: any XenHost, recording: Bool = false) {
    self.base = base
    self.recording = recording
  }

  /// The operations called since creation or the last `reset()`, in order; empty unless `recording`.
  public var recordedOperations: [XenHostOperation] { tallies.withLock { $0.sequence } }

  /// Calls per operation since creation or the last `reset()`; operations never called are absent.
  public var callCounts: [XenHostOperation: Int] {
    tallies.withLock { tally in
      let counts = tally.counts
      var result: [XenHostOperation: Int] = [:]
      for (index, operation) in XenHostOperation.allCases.enumerated() where counts[index] > 0 {
        result[operation] = counts[index]
      }
      return result
    }
  }

  /// All calls since creation or the last `reset()`.
  public var totalCalls: Int { tallies.withLock { $0.counts.reduce(0, +) } }

  /// Sets every count back to zero.
  public func reset() {
    tallies.withLock { tally in
      for index in tally.counts.indices { tally.counts[index] = 0 }
      tally.sequence.removeAll()
    }
  }

  private func tally(_ operation: XenHostOperation) {
    let index = operation.ordinal
    let recording = recording
    tallies.withLock { tally in
      tally.counts[index] += 1
      if recording { tally.sequence.append(operation) }
    }
  }

  /// Counts, then forwards to `base`.
  public func toolstackDomain() throws -> DomainID {
    tally(.toolstackDomain)
    return try base.toolstackDomain()
  }

  /// Counts, then forwards to `base`.
  public func domainInfo(_ domain: DomainID) throws -> DomainInfo {
    tally(.domainInfo)
    return try base.domainInfo(domain)
  }

  /// Counts, then forwards to `base`.
  public func hvmParameter(_ parameter: HVMParameter, of domain: DomainID) throws -> UInt64 {
    tally(.hvmParameter)
    return try base.hvmParameter(parameter, of: domain)
  }

  /// Counts, then forwards to `base`.
  public func guestWidth(of domain: DomainID) throws -> GuestWidth {
    tally(.guestWidth)
    return try base.guestWidth(of: domain)
  }

  /// Counts, then forwards to `base`.
  public func hostWidth() throws -> GuestWidth {
    tally(.hostWidth)
    return try base.hostWidth()
  }

  /// Counts, then forwards to `base`.
  public func shutdownDomain(_ domain: DomainID, reason: ShutdownReason) throws {
    tally(.shutdownDomain)
    return try base.shutdownDomain(domain, reason: reason)
  }

  /// Counts, then forwards to `base`.
  public func resumeDomain(_ domain: DomainID) throws {
    tally(.resumeDomain)
    return try base.resumeDomain(domain)
  }

  /// Counts, then forwards to `base`.
  public func vcpuContext(of domain: DomainID, vcpu: UInt32, width: GuestWidth) throws -> VCPUContext {
    tally(.vcpuContext)
    return try base.vcpuContext(of: domain, vcpu: vcpu, width: width)
  }

  /// Counts, then forwards to `base`.
  public func setVCPUContext(_ context: VCPUContext, of domain: DomainID, vcpu: UInt32) throws {
    tally(.setVCPUContext)
    return try base.setVCPUContext(context, of: domain, vcpu: vcpu)
  }

  /// Counts, then forwards to `base`.
  public func resetVCPU(of domain: DomainID, vcpu: UInt32) throws {
    tally(.resetVCPU)
    return try base.resetVCPU(of: domain, vcpu: vcpu)
  }

  /// Counts, then forwards to `base`.
  public func readGuestMemory(of domain: DomainID, frame: UInt64, offset: Int, count: Int) throws -> [UInt8] {
    tally(.readGuestMemory)
    return try base.readGuestMemory(of: domain, frame: frame, offset: offset, count: count)
  }

  /// Counts, then forwards to `base`.
  public func writeGuestMemory(of domain: DomainID, frame: UInt64, offset: Int, bytes: [UInt8]) throws {
    tally(.writeGuestMemory)
    return try base.writeGuestMemory(of: domain, frame: frame, offset: offset, bytes: bytes)
  }

  /// Counts, then forwards to `base`.
  public func read(_ path: String, transaction: XenStoreTransaction) throws -> String? {
    tally(.read)
    return try base.read(path, transaction: transaction)
  }

  /// Counts, then forwards to `base`.
  public func write(_ path: String, value: String, transaction: XenStoreTransaction) throws {
    tally(.write)
    return try base.write(path, value: value, transaction: transaction)
  }

  /// Counts, then forwards to `base`.
  public func remove(_ path: String, transaction: XenStoreTransaction) throws {
    tally(.remove)
    return try base.remove(path, transaction: transaction)
  }

  /// Counts, then forwards to `base`.
  public func setPermissions(_ path: String, _ permissions: [XenStorePermission], transaction: XenStoreTransaction)
    throws
  {
    tally(.setPermissions)
    return try base.setPermissions(path, permissions, transaction: transaction)
  }

  /// Counts, then forwards to `base`.
  public func startTransaction() throws -> XenStoreTransaction {
    tally(.startTransaction)
    return try base.startTransaction()
  }

  /// Counts, then forwards to `base`.
  public func endTransaction(_ transaction: XenStoreTransaction, commit: Bool) throws {
    tally(.endTransaction)
    return try base.endTransaction(transaction, commit: commit)
  }

  /// Counts, then forwards to `base`.
  public func watch(_ path: String) throws -> XenStoreWatchID {
    tally(.watch)
    return try base.watch(path)
  }

  /// Counts, then forwards to `base`.
  public func nextWatchEvent(_ watch: XenStoreWatchID) async throws -> String {
    tally(.nextWatchEvent)
    return try await base.nextWatchEvent(watch)
  }

  /// Counts, then forwards to `base`.
  public func unwatch(_ watch: XenStoreWatchID) throws {
    tally(.unwatch)
    return try base.unwatch(watch)
  }

  /// Counts, then forwards to `base`.
  public func resumeDomainInXenStore(_ domain: DomainID) throws {
    tally(.resumeDomainInXenStore)
    return try base.resumeDomainInXenStore(domain)
  }

  /// Counts, then forwards to `base`.
  public func bindInterdomainEventChannel(to domain: DomainID, remotePort: EventChannelPort) throws -> EventChannelPort
  {
    tally(.bindInterdomainEventChannel)
    return try base.bindInterdomainEventChannel(to: domain, remotePort: remotePort)
  }

  /// Counts, then forwards to `base`.
  public func subscribeForSuspend(_ domain: DomainID, port: EventChannelPort) throws {
    tally(.subscribeForSuspend)
    return try base.subscribeForSuspend(domain, port: port)
  }

  /// Counts, then forwards to `base`.
  public func notify(_ port: EventChannelPort) throws {
    tally(.notify)
    return try base.notify(port)
  }

  /// Counts, then forwards to `base`.
  public func consumePendingEvent(on port: EventChannelPort) throws -> Bool {
    tally(.consumePendingEvent)
    return try base.consumePendingEvent(on: port)
  }

  /// Counts, then forwards to `base`.
  public func waitForEvent(on port: EventChannelPort) async throws {
    tally(.waitForEvent)
    return try await base.waitForEvent(on: port)
  }

  /// Counts, then forwards to `base`.
  public func unbind(_ port: EventChannelPort) throws {
    tally(.unbind)
    return try base.unbind(port)
  }

  /// Counts, then forwards to `base`.
  public func acquireSuspendLock(for domain: DomainID) throws {
    tally(.acquireSuspendLock)
    return try base.acquireSuspendLock(for: domain)
  }

  /// Counts, then forwards to `base`.
  public func releaseSuspendLock(for domain: DomainID) throws {
    tally(.releaseSuspendLock)
    return try base.releaseSuspendLock(for: domain)
  }
}
