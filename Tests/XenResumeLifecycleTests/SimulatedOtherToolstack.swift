import XenResumeCore
import XenResumeLifecycle
import XenSimulator

/// The other toolstack over the simulator: its raw calls go straight to the simulated host (which tells no caller
/// from another, as Xen does not), a replacement destroys the domain and creates the same guest under its id, and a
/// guest is alive while Xen runs it and its model saw nothing wrong.
struct SimulatedOtherToolstack: OtherToolstack {
  let simulator: SimulatedXenHost

  var host: any XenHost { simulator }

  func pause(_ domain: DomainID) async throws {
    try simulator.pauseDomain(domain)
  }

  func unpause(_ domain: DomainID) async throws {
    try simulator.unpauseDomain(domain)
  }

  func replace(_ guest: LifecycleGuest, timeout: Duration) async -> Replacement {
    guard let model = simulator.guest(of: guest.domain) else {
      return Replacement(facts: [], failure: "no guest model for \(guest.domain)")
    }
    do {
      try simulator.destroyDomain(guest.domain)
      try simulator.createDomain(model, reusing: guest.domain)
      // The real save and restore run xl; here the stages are instant, but the line keeps the real shape.
      return Replacement(facts: [
        JSONMember("save", ["status": "exit 0", "milliseconds": 0]),
        JSONMember("restore", ["status": "exit 0", "milliseconds": 0]),
      ])
    } catch {
      return Replacement(facts: [], failure: "\(error)")
    }
  }

  /// What libxl does: `control/shutdown` = `suspend`, then Xen's state (polled here: the simulated guest reacts in
  /// milliseconds).
  func suspendCooperatively(_ guest: LifecycleGuest, timeout: Duration) async throws -> String {
    try simulator.write("/local/domain/\(guest.domain)/control/shutdown", value: "suspend")
    let clock = ContinuousClock()
    let end = clock.now + timeout
    while try !simulator.domainInfo(guest.domain).isSuspended {
      guard clock.now < end else { throw LifecycleUnsupported(what: "a suspend within \(timeout)") }
      try await Task.sleep(for: .milliseconds(5))
    }
    return "control/shutdown=suspend"
  }

  /// What libxenguest does: the suspend lock, an interdomain binding to the advertised port (its first pending
  /// event eaten), the subscription, a notification; then Xen's state (polled, as above). The binding and the lock
  /// are given back and the subscription left in place, as `xc_suspend_evtchn_release` does.
  func suspendThroughChannel(_ guest: LifecycleGuest, timeout: Duration) async throws -> String {
    let domain = guest.domain
    guard let advertised = try simulator.read("/local/domain/\(domain)/device/suspend/event-channel"),
      let remote = UInt32(advertised)
    else { throw LifecycleUnsupported(what: "a suspend event channel") }
    try simulator.acquireSuspendLock(for: domain)
    defer { try? simulator.releaseSuspendLock(for: domain) }
    let local = try simulator.bindInterdomainEventChannel(to: domain, remotePort: EventChannelPort(remote))
    defer { try? simulator.unbind(local) }
    _ = try simulator.consumePendingEvent(on: local)
    try simulator.subscribeForSuspend(domain, port: EventChannelPort(remote))
    try simulator.notify(local)
    let clock = ContinuousClock()
    let end = clock.now + timeout
    while try !simulator.domainInfo(domain).isSuspended {
      guard clock.now < end else { throw LifecycleUnsupported(what: "a suspend within \(timeout)") }
      try await Task.sleep(for: .milliseconds(5))
    }
    return "suspend event channel \(remote) (lock, bind, subscribe, notify; subscription left)"
  }

  /// `xc_domain_resume(fast=1)`: vcpu0's return register set to 1, resumedomain, XS_RESUME.
  func resumeCooperatively(_ guest: LifecycleGuest) async throws -> String {
    let width = guest.type == .pv ? try simulator.guestWidth(of: guest.domain) : try simulator.hostWidth()
    var context = try simulator.vcpuContext(of: guest.domain, vcpu: 0, width: width)
    context.returnRegister = 1
    try simulator.setVCPUContext(context, of: guest.domain, vcpu: 0)
    try simulator.resumeDomain(guest.domain)
    try simulator.resumeDomainInXenStore(guest.domain)
    return "fast resume (rax=1, resumedomain, XS_RESUME)"
  }

  func liveness(of guest: LifecycleGuest) async -> Liveness {
    let seen = simulator.observations(of: guest.domain)
    let running = (try? simulator.domainInfo(guest.domain)).map { DomainState($0) == .running } ?? false
    return Liveness(
      alive: running && seen.isHealthy && seen.phase == .running,
      evidence: "\(seen.phase), \(seen.isHealthy ? "healthy" : seen.failure ?? "unhealthy")")
  }
}

/// One simulator with a Linux guest of each kind the real-Xen lab boots, and a classic XenLinux guest that
/// advertises a suspend event channel.
struct LifecycleFixture {
  /// Guests take a moment to acknowledge and to suspend, as real ones do: a guest that suspended inside the
  /// controller's own write would hide every wait (and so the leftover subscription's silenced @releaseDomain).
  let simulator = SimulatedXenHost(
    reactionDelays: GuestReactionDelays(acknowledgement: .milliseconds(5), suspension: .milliseconds(50)))
  let guests: [LifecycleGuest]
  let classic: LifecycleGuest

  init() {
    let simulator = simulator
    let kinds: [SimulatedGuest] = [
      .pv(width: .bits64, kernel: .linux), .pvh(kernel: .linux), .pvhvm(kernel: .linux), .hvm(),
    ]
    guests = kinds.map { LifecycleGuest(domain: simulator.createDomain($0), type: $0.type) }
    let classicModel = SimulatedGuest.pv(width: .bits32, suspendEventChannel: true, kernel: .xenLinuxClassic)
    classic = LifecycleGuest(domain: simulator.createDomain(classicModel), type: .pv)
  }

  /// A run over `guests` with one controller, the simulator's timeouts short (its guests react at once).
  func run(
    _ scenarios: [LifecycleScenario], guests: [LifecycleGuest]? = nil, controller: SuspendController? = nil
  ) -> LifecycleRun {
    LifecycleRun(
      controller: controller ?? SuspendController(host: simulator), controllerHost: simulator,
      other: SimulatedOtherToolstack(simulator: simulator), guests: guests ?? self.guests,
      settings: LifecycleSettings(
        cycleTimeout: .seconds(5), refusalTimeout: .milliseconds(300), leftoverTimeout: .seconds(2),
        settleTimeout: .seconds(2), replaceTimeout: .seconds(5), scenarios: scenarios))
  }
}

extension Array where Element == LifecycleResult {
  /// `foreign-suspend/refuse-suspend [domain 1 (pv)]: failed: …` for each result that is not `outcome`.
  func not(_ outcome: LifecycleResult.Outcome) -> [String] {
    filter { $0.outcome != outcome }.map {
      "\($0.scenario.rawValue)/\($0.step) [\($0.guest)]: \($0.outcome.rawValue): \($0.detail)"
    }
  }

  func steps(of scenario: LifecycleScenario, on guest: LifecycleGuest) -> [String] {
    filter { $0.scenario == scenario && $0.guest == guest }.map(\.step)
  }
}
