import CoreMetrics
import XenResumeCore

/// One suspend path of one guest type: what every benchmark, the host-call report and the scale check run.
///
/// The controller picks the path itself, by libxl's rules, from what the guest advertises; nothing is forced.
public enum Scenario: String, CaseIterable, Sendable {
  /// A PV guest that advertises a suspend event channel (classic XenLinux).
  case pvEventChannel
  /// A PV guest without one (Linux): the xenstore control node.
  case pvXenStore
  /// An HVM guest with PV drivers (Linux): the xenstore control node.
  case pvhvm
  /// An HVM guest without PV drivers: `xc_domain_shutdown(SHUTDOWN_suspend)`.
  case hvm

  /// The name benchmarks and tables show.
  public var title: String {
    switch self {
    case .pvEventChannel: "PV, event channel"
    case .pvXenStore: "PV, xenstore"
    case .pvhvm: "PVHVM, xenstore"
    case .hvm: "HVM, hypervisor shutdown"
    }
  }

  /// The path the controller must choose for this guest.
  public var expectedPath: SuspendPath {
    switch self {
    case .pvEventChannel: .eventChannel
    case .pvXenStore, .pvhvm: .xenstoreControl
    case .hvm: .hypervisorShutdown
    }
  }

  /// The guest a `NullXenHost` creates (two vcpus, so that a slow PV resume resets one).
  public var nullGuest: NullXenHost.Guest {
    switch self {
    case .pvEventChannel: .pv(suspendEventChannel: true)
    case .pvXenStore: .pv()
    case .pvhvm: .pvhvm()
    case .hvm: .hvm()
    }
  }

  /// The opt-in a slow resume of this guest needs: PV guests must confirm it; a PVHVM guest's is the soft-reset
  /// resume, which needs none.
  public var slowResumeOptions: ResumeOptions {
    switch self {
    case .pvEventChannel, .pvXenStore: .confirmSlowResumeOfPVAwareGuest
    case .pvhvm, .hvm: []
    }
  }
}

/// The measured loops, shared by the benchmarks and the tools so that all of them time the same code.
public enum Cycles {
  /// `count` checkpoints with an empty body: suspend, then fast resume.
  public static func fast(_ controller: SuspendController, _ domain: DomainID, count: Int) async throws {
    for _ in 0..<count {
      try await controller.checkpoint(domain) { _ in }
    }
  }

  /// `count` suspends each followed by a slow resume ("resumed as a new domain").
  public static func slow(
    _ controller: SuspendController, _ domain: DomainID, options: ResumeOptions, count: Int
  ) async throws {
    for _ in 0..<count {
      _ = try await controller.suspend(domain)
      try await controller.resume(domain, mode: .slow, options: options)
    }
  }

  /// One checkpoint of every domain at once, all through one controller.
  public static func parallelFast(_ controller: SuspendController, _ domains: [DomainID]) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
      for domain in domains {
        group.addTask { try await controller.checkpoint(domain) { _ in } }
      }
      try await group.waitForAll()
    }
  }
}

/// A controller over a `NullXenHost` with `domains` guests of one scenario, each already cycled once so that
/// every measurement sees a loop's steady state (sessions learned, event channel bound, `@releaseDomain` watched).
public struct NullFixture: Sendable {
  /// The host, for its call count.
  public let host: NullXenHost
  /// The controller under test.
  public let controller: SuspendController
  /// The guests, in creation order.
  public let domains: [DomainID]

  /// Builds and warms up the fixture; the warm-up fails loudly if the controller picks another path. With
  /// `metrics`, the controller records its metrics through it (without, it has none, as without a bootstrapped
  /// backend); the warm-up makes every metric object the cycles use.
  public init(_ scenario: Scenario, domains count: Int = 1, metrics: (any MetricsFactory)? = nil) async throws {
    let host = NullXenHost()
    let domains = (0..<count).map { _ in host.createDomain(scenario.nullGuest) }
    let controller = SuspendController(host: host, metricsFactory: metrics)
    for domain in domains {
      let plan = try await controller.suspendPlan(for: domain)
      guard plan.path == scenario.expectedPath else {
        throw FixtureError.unexpectedPath(scenario, plan.path)
      }
      try await Cycles.fast(controller, domain, count: 1)
    }
    self.host = host
    self.controller = controller
    self.domains = domains
  }

  /// The first guest.
  public var domain: DomainID { domains[0] }
}

/// Why a fixture could not be built.
public enum FixtureError: Error, CustomStringConvertible {
  /// The controller planned another path than the scenario's.
  case unexpectedPath(Scenario, SuspendPath)

  /// One line.
  public var description: String {
    switch self {
    case .unexpectedPath(let scenario, let path):
      "\(scenario.title): the controller planned the \(path) path"
    }
  }
}
