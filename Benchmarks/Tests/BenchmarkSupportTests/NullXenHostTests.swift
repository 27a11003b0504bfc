import BenchmarkSupport
import SystemPackage
import Testing
import XenResumeCore

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

  @Test func resumeBeforeSuspendFails() async throws {
    let host = NullXenHost()
    let domain = host.createDomain(.pv())
    #expect(throws: XenCallError.self) { try host.resumeDomain(domain) }
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

  @Test func xsResumeComesAfterResumedomain() throws {
    let host = NullXenHost()
    let domain = host.createDomain(.hvm())
    try host.shutdownDomain(domain, reason: .suspend)
    #expect(throws: XenCallError.self) { try host.resumeDomainInXenStore(domain) }
    try host.resumeDomain(domain)
    try host.resumeDomainInXenStore(domain)
    #expect(host.state(of: domain) == .running)
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
  func ownCountMatchesCountingXenHost(_ scenario: Scenario) async throws {
    let host = NullXenHost()
    let counting = CountingXenHost(host)
    let domain = host.createDomain(scenario.nullGuest)
    let controller = SuspendController(host: counting)
    try await Cycles.fast(controller, domain, count: 5)
    // The @releaseDomain pump calls on its own task: let it park before comparing.
    for _ in 0..<100 where host.totalCalls != counting.totalCalls {
      try await Task.sleep(for: .milliseconds(1))
    }
    #expect(host.totalCalls == counting.totalCalls)
  }
}
