import BenchmarkSupport
import Synchronization
import SystemPackage
import Testing
@_spi(XenHostBackends) import XenResumeCore

/// The null host must be fast, but never so lenient that a wrong sequence gets measured.
@Suite struct NullXenHostTests {
  @Test(arguments: Scenario.allCases)
  func controllerCyclesEveryScenario(_ scenario: Scenario) async throws {
    let fixture = try await NullFixture(scenario)
    try await Cycles.fast(fixture.controller, fixture.domain, count: 3)
    try await Cycles.slow(fixture.controller, fixture.domain, options: scenario.slowResumeOptions, count: 2)
    let resumes = fixture.host.resumes(of: fixture.domain)
    if scenario == .hvm {
      #expect(resumes == NullXenHost.ResumeCounts(cancelled: 0, asNewDomain: 0, unnoticed: 6))
    } else {
      #expect(resumes == NullXenHost.ResumeCounts(cancelled: 4, asNewDomain: 2, unnoticed: 0))
    }
    #expect(fixture.host.state(of: fixture.domain) == .running)
  }

  @Test func parallelCheckpointsThroughOneController() async throws {
    let fixture = try await NullFixture(.pvEventChannel, domains: 50)
    try await Cycles.parallelFast(fixture.controller, fixture.domains)
    for domain in fixture.domains {
      #expect(fixture.host.resumes(of: domain).cancelled == 2)
    }
  }

  @Test func resumingARunningDomainChangesNothingButTheControllerRefuses() async throws {
    let host = NullXenHost()
    let domain = host.createDomain(.pv())
    // Xen's domain_resume has nothing to undo on a running domain; the controller must check the state itself.
    try host.resumeDomain(domain)
    #expect(host.state(of: domain) == .running)
    #expect(host.resumes(of: domain) == NullXenHost.ResumeCounts())
    let controller = SuspendController(host: host)
    await #expect(throws: SuspendResumeError.notSuspended(domain, state: .running)) {
      try await controller.resume(domain)
    }
  }

  @Test func registersOfARunningGuestAreNotWritable() throws {
    let host = NullXenHost()
    let domain = host.createDomain(.pvhvm())
    let context = try host.vcpuContext(of: domain, vcpu: 0, width: .bits64)
    #expect(throws: XenCallError.self) { try host.setVCPUContext(context, of: domain, vcpu: 0) }
    #expect(throws: XenCallError.self) { try host.resetVCPU(of: domain, vcpu: 1) }
  }

  @Test func aGuestStoppedByTheHypervisorIsNotInItsHypercall() throws {
    let host = NullXenHost()
    let domain = host.createDomain(.pv())
    try host.shutdownDomain(domain, reason: .suspend)
    var context = try host.vcpuContext(of: domain, vcpu: 0, width: .bits64)
    context.returnRegister = 1
    #expect(throws: XenCallError.self) { try host.setVCPUContext(context, of: domain, vcpu: 0) }
  }

  @Test func xsResumeOnlyClearsTheLatch() throws {
    let host = NullXenHost()
    let domain = host.createDomain(.hvm())
    try host.shutdownDomain(domain, reason: .suspend)
    // xenstored's do_resume does not look at the domain's state: XS_RESUME first is no mistake.
    try host.resumeDomainInXenStore(domain)
    try host.resumeDomain(domain)
    #expect(host.state(of: domain) == .running)
    #expect(throws: XenCallError(.resumeDomainInXenStore, domain: 9, errno: .noSuchFileOrDirectory)) {
      try host.resumeDomainInXenStore(9)
    }
    #expect(throws: XenCallError(.resumeDomainInXenStore, domain: .dom0, errno: .invalidArgument)) {
      try host.resumeDomainInXenStore(.dom0)
    }
  }

  @Test func aSlowPVResumeNeedsMachineFramesAndResetVCPUs() throws {
    let host = NullXenHost()
    let domain = host.createDomain(.pv(vcpus: 2))
    try host.write(XenStorePath.controlShutdown(of: domain), value: "suspend")
    #expect(host.state(of: domain) == .shutDown(.suspend))
    // Return register left at 0, start_info untouched: the new domain would find no xenstore ring.
    #expect(throws: XenCallError.self) { try host.resumeDomain(domain) }
    #expect(host.state(of: domain) == .shutDown(.suspend))
  }

  @Test func theEventChannelSignalsInsteadOfReleaseDomain() async throws {
    let host = NullXenHost()
    let domain = host.createDomain(.pv(suspendEventChannel: true))
    #expect(try host.read(XenStorePath.suspendEventChannel(of: domain)) == "7")
    let port = try host.bindInterdomainEventChannel(to: domain, remotePort: EventChannelPort(7))
    #expect(try host.consumePendingEvent(on: port))
    #expect(try !host.consumePendingEvent(on: port))
    try host.subscribeForSuspend(domain, port: EventChannelPort(7))
    let watch = try host.watch(XenStorePath.releaseDomain)
    #expect(try await host.nextWatchEvent(watch) == XenStorePath.releaseDomain)
    try host.notify(port)
    try await host.waitForEvent(on: port)
    #expect(host.state(of: domain) == .shutDown(.suspend))
    #expect(throws: XenCallError.self) { try host.notify(EventChannelPort(port.rawValue + 1)) }
    // No @releaseDomain event: the wait parks and ends only by cancellation.
    let reader = Task { try await host.nextWatchEvent(watch) }
    try await Task.sleep(for: .milliseconds(20))
    reader.cancel()
    await #expect(throws: CancellationError.self) { try await reader.value }
  }

  @Test func releaseDomainFiresOncePerShutdownUntilXSResume() async throws {
    let host = NullXenHost()
    let domain = host.createDomain(.hvm())
    let watch = try host.watch(XenStorePath.releaseDomain)
    _ = try await host.nextWatchEvent(watch)
    try host.shutdownDomain(domain, reason: .suspend)
    _ = try await host.nextWatchEvent(watch)
    try host.resumeDomain(domain)
    try host.shutdownDomain(domain, reason: .suspend)
    let reader = Task { try await host.nextWatchEvent(watch) }
    try await Task.sleep(for: .milliseconds(20))
    reader.cancel()
    await #expect(throws: CancellationError.self) { try await reader.value }
  }

  @Test func theSuspendLockIsExclusive() throws {
    let host = NullXenHost()
    let domain = host.createDomain(.pv())
    try host.acquireSuspendLock(for: domain)
    #expect(throws: XenCallError(.acquireSuspendLock, domain: domain, errno: .resourceTemporarilyUnavailable)) {
      try host.acquireSuspendLock(for: domain)
    }
    try host.releaseSuspendLock(for: domain)
    #expect(throws: XenCallError.self) { try host.releaseSuspendLock(for: domain) }
  }

  @Test func unknownDomainsAreESRCH() {
    let host = NullXenHost()
    #expect(throws: XenCallError(.domainInfo, domain: 9, errno: .noSuchProcess)) { try host.domainInfo(9) }
  }

  @Test(arguments: Scenario.allCases)
  func everyCallReachesTheObservers(_ scenario: Scenario) async throws {
    let host = NullXenHost()
    let counter = HostCallCounter(observing: host)
    let entries = CallEntries()
    host.callObservers.add(entries)
    let domain = host.createDomain(scenario.nullGuest)
    let controller = SuspendController(host: host)
    try await Cycles.fast(controller, domain, count: 5)
    // The host counts a call as it starts, the counter once it has ended: a wait still parked (the @releaseDomain
    // pump's) is counted by the host and announced to the observers, not yet ended. The pump calls on its own task,
    // so it may be between its count and its announcement: let it park before comparing.
    for _ in 0..<1000 where host.totalCalls != entries.count {
      try await Task.sleep(for: .milliseconds(1))
    }
    #expect(host.totalCalls == entries.count)
    #expect(counter.totalCalls <= entries.count)
    #expect(counter.callCounts[.domainInfo, default: 0] >= 5)
    withExtendedLifetime(controller) {}
  }

  @Test func anInjectedFaultFailsTheCallWithoutEffect() throws {
    let host = NullXenHost()
    let injector = HostCallFaultInjector()
    host.callObservers.add(injector)
    let domain = host.createDomain(.hvm())
    injector.inject(.shutdownDomain, errno: .notPermitted, domain: domain)
    #expect(throws: XenCallError.self) { try host.shutdownDomain(domain, reason: .suspend) }
    #expect(host.state(of: domain) == .running)
    try host.shutdownDomain(domain, reason: .suspend)
    #expect(host.state(of: domain) == .shutDown(.suspend))
  }

  @Test func watchEventsNameTheChangedNodeInOrder() async throws {
    let host = NullXenHost()
    let directory = "/local/domain/0/scratch"
    try host.write(directory, value: "")
    let watch = try host.watch(directory)
    try host.write(directory + "/a", value: "1")
    try host.write(directory, value: "2")
    try host.remove(directory + "/a")
    var events: [String] = []
    for _ in 0..<4 { events.append(try await host.nextWatchEvent(watch)) }
    #expect(events == [directory, directory + "/a", directory, directory + "/a"])
  }

  @Test func transactionsAreIsolatedAndConflict() throws {
    let host = NullXenHost()
    let domain = host.createDomain(.pv())
    let node = XenStorePath.controlShutdown(of: domain)
    let transaction = try host.startTransaction()
    #expect(try host.read(node, transaction: transaction) == "")
    try host.write(node, value: "suspend", transaction: transaction)
    #expect(try host.read(node) == "", "an uncommitted write is invisible outside")
    #expect(host.state(of: domain) == .running, "the guest sees a request only when it commits")
    try host.write(node, value: "", transaction: .none)
    let conflict = #expect(throws: XenCallError.self) { try host.endTransaction(transaction, commit: true) }
    #expect(conflict?.errno == .resourceTemporarilyUnavailable)
    #expect(host.state(of: domain) == .running, "a conflicting commit is not applied")
    let retry = try host.startTransaction()
    try host.write(node, value: "suspend", transaction: retry)
    try host.endTransaction(retry, commit: true)
    #expect(host.state(of: domain) == .shutDown(.suspend))
  }
}

/// Counts calls as they start.
private final class CallEntries: HostCallObserver {
  private let entries = Mutex(0)

  var count: Int { entries.withLock { $0 } }

  func hostWillCall(_ operation: XenHostOperation, domain: DomainID?) throws(XenCallError) {
    entries.withLock { $0 += 1 }
  }
}
