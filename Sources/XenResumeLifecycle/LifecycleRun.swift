import Synchronization
import XenResumeCore

/// The lifecycle scenarios over one `SuspendController`, kept for the whole run as a toolstack daemon keeps it, with
/// another toolstack acting on the same guests through its own connection to Xen.
///
/// ```swift
/// let host = try LibxenHost()
/// let run = LifecycleRun(
///   controller: SuspendController(host: host), controllerHost: host, other: otherToolstack,
///   guests: [LifecycleGuest(domain: 3, type: .pv)])
/// await run.run { print($0.json.text) }
/// ```
///
/// Scenarios run one after the other; within a scenario the guests run at once (most of a step's time is spent
/// waiting on a guest, and the controller serves several domains at once as a daemon would). A guest's steps stop
/// at the first one that leaves it unusable for the next: the judge then reports the missing steps.
public struct LifecycleRun: Sendable {
  /// The controller under test, the same for every step.
  public let controller: SuspendController
  /// The host the controller was made with: the run counts the calls the controller makes through it.
  public let controllerHost: any XenHost
  /// The other toolstack.
  public let other: any OtherToolstack
  /// The guests, in the order given.
  public let guests: [LifecycleGuest]
  /// Timeouts and the scenarios to run.
  public let settings: LifecycleSettings

  /// A run over `guests`.
  public init(
    controller: SuspendController, controllerHost: any XenHost, other: any OtherToolstack,
    guests: [LifecycleGuest], settings: LifecycleSettings = LifecycleSettings()
  ) {
    self.controller = controller
    self.controllerHost = controllerHost
    self.other = other
    self.guests = guests
    self.settings = settings
  }

  /// Runs every scenario, handing each step's result to `report` as soon as it is known.
  public func run(reporting report: @escaping @Sendable (LifecycleResult) -> Void) async {
    for scenario in settings.scenarios {
      await withTaskGroup(of: Void.self) { group in
        for guest in guests where scenario.applies(to: guest.type) {
          let steps = StepRunner(run: self, scenario: scenario, guest: guest, report: report)
          group.addTask { await steps.runScenario() }
        }
      }
    }
  }

  /// Runs every scenario and returns the results (in the order they were known).
  public func run() async -> [LifecycleResult] {
    let collected = Mutex<[LifecycleResult]>([])
    await run { result in collected.withLock { $0.append(result) } }
    return collected.withLock { $0 }
  }
}

/// What one step observed and concluded; filled in by the step's body.
struct StepRecord {
  var facts: [JSONMember] = []
  var problems: [String] = []
  var skipReason: String?
  var note = ""

  subscript(key: String) -> JSONValue? {
    get { facts.last { $0.key == key }?.value }
    set {
      facts.removeAll { $0.key == key }
      if let newValue { facts.append(JSONMember(key, newValue)) }
    }
  }

  /// Records a problem unless `condition` holds; returns `condition`.
  @discardableResult
  mutating func expect(_ condition: Bool, _ problem: @autoclosure () -> String) -> Bool {
    if !condition { problems.append(problem()) }
    return condition
  }
}

/// Runs one scenario's steps on one guest and reports each.
struct StepRunner: Sendable {
  let run: LifecycleRun
  let scenario: LifecycleScenario
  let guest: LifecycleGuest
  let report: @Sendable (LifecycleResult) -> Void

  var controller: SuspendController { run.controller }
  var other: any OtherToolstack { run.other }
  var settings: LifecycleSettings { run.settings }
  var domain: DomainID { guest.domain }

  func runScenario() async {
    switch scenario {
    case .foreignSuspend: await foreignSuspend()
    case .leftoverSubscription: await leftoverSubscription()
    case .eventChannelThenXenStore: await eventChannelThenXenStore()
    case .domainReuse: await domainReuse()
    case .xenstoredLost: await xenstoredLost()
    }
  }

  /// Runs a step: its body fills in a record (a thrown error is a failure of the step, recorded with its facts).
  /// Returns whether the step passed (a skip is not a pass: the steps after it have nothing to stand on).
  @discardableResult
  func step(_ name: String, _ body: (inout StepRecord) async throws -> Void) async -> Bool {
    var record = StepRecord()
    let clock = ContinuousClock()
    let start = clock.now
    do {
      try await body(&record)
    } catch {
      record["unexpectedError"] = Self.errorFacts(error)
      record.problems.append("unexpected error: \(Self.describe(error))")
    }
    let elapsed = clock.now - start
    let outcome: LifecycleResult.Outcome =
      record.skipReason != nil ? .skipped : record.problems.isEmpty ? .passed : .failed
    let detail =
      record.skipReason ?? (record.problems.isEmpty ? record.note : record.problems.joined(separator: "; "))
    let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    report(
      LifecycleResult(
        scenario: scenario, step: name, guest: guest, outcome: outcome, detail: detail, milliseconds: milliseconds,
        facts: record.facts))
    return outcome == .passed
  }

  // MARK: Shared steps

  /// One suspend and fast resume by the controller; the guest must be running and alive afterwards.
  @discardableResult
  func cycle(_ name: String, path: SuspendPath? = nil, expectPath: SuspendPath? = nil) async -> Bool {
    await step(name) { record in
      if let path { record["forcedPath"] = .string(path.rawValue) }
      do {
        let suspended = try await controller.suspend(domain, timeout: settings.cycleTimeout, path: path)
        record["suspend"] = Self.suspendFacts(suspended)
        if let expectPath {
          record.expect(suspended.path == expectPath, "suspended through \(suspended.path), expected \(expectPath)")
        }
      } catch {
        record["suspendError"] = Self.errorFacts(error)
        record.problems.append("suspend failed: \(Self.describe(error))")
      }
      do {
        try await controller.resume(domain, mode: .fast)
      } catch {
        record["resumeError"] = Self.errorFacts(error)
        record.problems.append("fast resume failed: \(Self.describe(error))")
      }
      try await expectRunningAndAlive(&record)
      if record.problems.isEmpty { record.note = "suspended and resumed fast; guest alive" }
    }
  }

  /// Xen must report the domain running, and the guest must make progress.
  func expectRunningAndAlive(_ record: inout StepRecord) async throws {
    let info = try other.host.domainInfo(domain)
    record["stateAfter"] = Self.domainFacts(info)
    record.expect(DomainState(info) == .running, "Xen reports the domain \(DomainState(info)), expected running")
    let liveness = await other.liveness(of: guest)
    record["alive"] = .bool(liveness.alive)
    record["counter"] = .string(liveness.evidence)
    record.expect(liveness.alive, "guest not alive (\(liveness.evidence))")
  }

  /// Polls the other toolstack's view of the domain until `condition` holds or the settle timeout passes; returns the
  /// last info read. (A poll, not an event wait: it watches what another actor did, outside the controller.)
  func awaitDomain(_ condition: (DomainInfo) -> Bool) async throws -> DomainInfo {
    let clock = ContinuousClock()
    let end = clock.now + settings.settleTimeout
    while true {
      let info = try other.host.domainInfo(domain)
      if condition(info) || clock.now >= end { return info }
      try await Task.sleep(for: .milliseconds(50))
    }
  }

  /// vcpu0's context as the other toolstack reads it, in the domain's width.
  func vcpu0Context() throws -> VCPUContext {
    let width = guest.type == .pv ? try other.host.guestWidth(of: domain) : try other.host.hostWidth()
    return try other.host.vcpuContext(of: domain, vcpu: 0, width: width)
  }
}
