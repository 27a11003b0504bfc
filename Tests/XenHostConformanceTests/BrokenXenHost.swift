import Synchronization
import SystemPackage
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// A `XenHost` that forwards every call to a simulator but breaks one of Xen's rules, to show that the suite
/// notices.
final class BrokenXenHost: XenHost {
  /// The rule it breaks.
  enum Breakage: String, CaseIterable, Sendable {
    /// `resumeDomain` of a running domain pauses it, instead of changing nothing.
    case resumeOfRunningDomainPausesIt
    /// `@releaseDomain` watches fire at registration and never again.
    case releaseDomainNeverFires
    /// XS_RESUME of a known domain succeeds without clearing xenstored's shutdown latch.
    case xsResumeDoesNothing
    /// A conflicting transaction commit reports success (its changes are still not applied).
    case transactionsNeverConflict
    /// Calls about a missing domain fail with EINVAL instead of ESRCH.
    case missingDomainIsEINVAL
  }

  let base: SimulatedXenHost
  let breakage: Breakage
  /// The `@releaseDomain` watches, and whether each has handed out its registration event.
  private let releaseDomainWatches = Mutex<[XenStoreWatchID: Bool]>([:])

  init(_ base: SimulatedXenHost, breaking breakage: Breakage) {
    self.base = base
    self.breakage = breakage
  }

  private func breaking<Value>(_ domain: DomainID, _ call: () throws -> Value) throws -> Value {
    do {
      return try call()
    } catch let error as XenCallError where breakage == .missingDomainIsEINVAL && error.errno == .noSuchProcess {
      throw XenCallError(call: error.call, domain: domain, errno: .invalidArgument)
    }
  }

  /// The simulator's observers: it notifies them for the calls this host forwards.
  var callObservers: HostCallObservers { base.callObservers }

  func toolstackDomain() throws -> DomainID { try base.toolstackDomain() }
  func domainInfo(_ domain: DomainID) throws -> DomainInfo { try breaking(domain) { try base.domainInfo(domain) } }
  func domains() throws -> [DomainInfo] { try base.domains() }
  func hvmParameter(_ parameter: HVMParameter, of domain: DomainID) throws -> UInt64 {
    try breaking(domain) { try base.hvmParameter(parameter, of: domain) }
  }
  func guestWidth(of domain: DomainID) throws -> GuestWidth { try breaking(domain) { try base.guestWidth(of: domain) } }
  func hostWidth() throws -> GuestWidth { try base.hostWidth() }
  func shutdownDomain(_ domain: DomainID, reason: ShutdownReason) throws {
    try base.shutdownDomain(domain, reason: reason)
  }

  func resumeDomain(_ domain: DomainID) throws {
    if breakage == .resumeOfRunningDomainPausesIt, try !base.domainInfo(domain).isShutdown {
      try base.pauseDomain(domain)
      return
    }
    try breaking(domain) { try base.resumeDomain(domain) }
  }

  func pauseDomain(_ domain: DomainID) throws { try base.pauseDomain(domain) }
  func unpauseDomain(_ domain: DomainID) throws { try base.unpauseDomain(domain) }
  func softResetDomain(_ domain: DomainID) throws { try base.softResetDomain(domain) }
  func setHVMParameter(_ parameter: HVMParameter, of domain: DomainID, to value: UInt64) throws {
    try base.setHVMParameter(parameter, of: domain, to: value)
  }

  func vcpuContext(of domain: DomainID, vcpu: UInt32, width: GuestWidth) throws -> VCPUContext {
    try breaking(domain) { try base.vcpuContext(of: domain, vcpu: vcpu, width: width) }
  }
  func setVCPUContext(_ context: VCPUContext, of domain: DomainID, vcpu: UInt32) throws {
    try base.setVCPUContext(context, of: domain, vcpu: vcpu)
  }
  func resetVCPU(of domain: DomainID, vcpu: UInt32) throws { try base.resetVCPU(of: domain, vcpu: vcpu) }
  func readGuestMemory(of domain: DomainID, frame: UInt64, offset: Int, count: Int) throws -> [UInt8] {
    try base.readGuestMemory(of: domain, frame: frame, offset: offset, count: count)
  }
  func writeGuestMemory(of domain: DomainID, frame: UInt64, offset: Int, bytes: [UInt8]) throws {
    try base.writeGuestMemory(of: domain, frame: frame, offset: offset, bytes: bytes)
  }
  func maximumGuestFrame(of domain: DomainID) throws -> UInt64 { try base.maximumGuestFrame(of: domain) }
  func guestFrameKinds(of domain: DomainID, frames: [UInt64]) throws -> [GuestFrameKind] {
    try base.guestFrameKinds(of: domain, frames: frames)
  }
  func readGuestFrames(of domain: DomainID, frames: [UInt64], appendingTo pages: inout [UInt8]) throws {
    try base.readGuestFrames(of: domain, frames: frames, appendingTo: &pages)
  }
  func writeGuestFrames(of domain: DomainID, frames: [UInt64], pages: ArraySlice<UInt8>) throws {
    try base.writeGuestFrames(of: domain, frames: frames, pages: pages)
  }
  func hvmContext(of domain: DomainID) throws -> [UInt8] { try base.hvmContext(of: domain) }
  func setHVMContext(_ context: [UInt8], of domain: DomainID) throws { try base.setHVMContext(context, of: domain) }

  func read(_ path: String, transaction: XenStoreTransaction) throws -> String? {
    try base.read(path, transaction: transaction)
  }
  func write(_ path: String, value: String, transaction: XenStoreTransaction) throws {
    try base.write(path, value: value, transaction: transaction)
  }
  func remove(_ path: String, transaction: XenStoreTransaction) throws {
    try base.remove(path, transaction: transaction)
  }
  func setPermissions(_ path: String, _ permissions: [XenStorePermission], transaction: XenStoreTransaction) throws {
    try base.setPermissions(path, permissions, transaction: transaction)
  }
  func startTransaction() throws -> XenStoreTransaction { try base.startTransaction() }

  func endTransaction(_ transaction: XenStoreTransaction, commit: Bool) throws {
    do {
      try base.endTransaction(transaction, commit: commit)
    } catch let error as XenCallError
      where breakage == .transactionsNeverConflict && error.errno == .resourceTemporarilyUnavailable
    {
      return
    }
  }

  func watch(_ path: String) throws -> XenStoreWatchID {
    let watch = try base.watch(path)
    if path == XenStorePath.releaseDomain { releaseDomainWatches.withLock { $0[watch] = false } }
    return watch
  }

  func nextWatchEvent(_ watch: XenStoreWatchID) async throws -> String {
    let event = try await base.nextWatchEvent(watch)
    guard breakage == .releaseDomainNeverFires else { return event }
    // Hand out the registration event once, then swallow every later one until the waiter gives up.
    let served = releaseDomainWatches.withLock { watches -> Bool? in
      defer { if watches[watch] != nil { watches[watch] = true } }
      return watches[watch]
    }
    guard served == true else { return event }
    while true { _ = try await base.nextWatchEvent(watch) }
  }

  func unwatch(_ watch: XenStoreWatchID) throws { try base.unwatch(watch) }

  func resumeDomainInXenStore(_ domain: DomainID) throws {
    // Still ENOENT for a domain xenstored does not know: only the latch is left alone.
    if breakage == .xsResumeDoesNothing, base.domainIDs().contains(domain) { return }
    try breaking(domain) { try base.resumeDomainInXenStore(domain) }
  }

  func introduceDomain(_ domain: DomainID, storeFrame: UInt64, storePort: EventChannelPort) throws {
    try base.introduceDomain(domain, storeFrame: storeFrame, storePort: storePort)
  }

  func bindInterdomainEventChannel(to domain: DomainID, remotePort: EventChannelPort) throws -> EventChannelPort {
    try base.bindInterdomainEventChannel(to: domain, remotePort: remotePort)
  }
  func subscribeForSuspend(_ domain: DomainID, port: EventChannelPort) throws {
    try base.subscribeForSuspend(domain, port: port)
  }
  func notify(_ port: EventChannelPort) throws { try base.notify(port) }
  func consumePendingEvent(on port: EventChannelPort) throws -> Bool { try base.consumePendingEvent(on: port) }
  func waitForEvent(on port: EventChannelPort) async throws { try await base.waitForEvent(on: port) }
  func unbind(_ port: EventChannelPort) throws { try base.unbind(port) }
  func allocateUnboundEventChannel(in domain: DomainID, remote: DomainID) throws -> EventChannelPort {
    try base.allocateUnboundEventChannel(in: domain, remote: remote)
  }
  func eventChannelStatus(of domain: DomainID, port: EventChannelPort) throws -> EventChannelStatus {
    try base.eventChannelStatus(of: domain, port: port)
  }
  func acquireSuspendLock(for domain: DomainID) throws { try base.acquireSuspendLock(for: domain) }
  func releaseSuspendLock(for domain: DomainID) throws { try base.releaseSuspendLock(for: domain) }
}
