import XenResumeCore
import XenSimulator

extension Scenario {
  /// The guest a `SimulatedXenHost` creates: the simulator's idealised kernel, which survives both kinds of resume
  /// (Linux 6.1 would panic after the slow one), two vcpus, and a suspend event channel where the scenario wants
  /// one.
  public var simulatedGuest: SimulatedGuest {
    switch self {
    case .pvEventChannel: .pv(vcpus: 2, suspendEventChannel: true)
    case .pvXenStore: .pv(vcpus: 2)
    case .pvhvm: .pvhvm(vcpus: 2)
    case .hvm: .hvm(vcpus: 2)
    }
  }
}

/// A controller over a `SimulatedXenHost` whose calls a `HostCallCounter` counts, with `domains` guests of one scenario, each cycled once, as
/// `NullFixture` is over the null host. Tracing is off: the simulator then keeps no per-call record.
public struct SimulatorFixture: Sendable {
  /// The simulator.
  public let simulator: SimulatedXenHost
  /// Counts the calls the controller makes to the simulator.
  public let calls: HostCallCounter
  /// The controller under test.
  public let controller: SuspendController
  /// The guests, in creation order.
  public let domains: [DomainID]

  /// Builds and warms up the fixture; the warm-up fails loudly if the controller picks another path.
  public init(_ scenario: Scenario, domains count: Int = 1) async throws {
    let simulator = SimulatedXenHost()
    simulator.isTracingEnabled = false
    let domains = (0..<count).map { _ in simulator.createDomain(scenario.simulatedGuest) }
    let calls = HostCallCounter(observing: simulator)
    let controller = SuspendController(host: simulator)
    for domain in domains {
      let plan = try await controller.suspendPlan(for: domain)
      guard plan.path == scenario.expectedPath else {
        throw FixtureError.unexpectedPath(scenario, plan.path)
      }
      try await Cycles.fast(controller, domain, count: 1)
    }
    self.simulator = simulator
    self.calls = calls
    self.controller = controller
    self.domains = domains
  }

  /// The first guest.
  public var domain: DomainID { domains[0] }
}

/// Host calls per fast cycle over XenSimulator, per scenario.
public enum SimulatedHostCalls {
  /// Measures every scenario over a fresh simulator, tracing off.
  public static func measure(cycles: Int) async throws -> [Scenario: HostCallCount] {
    var counts: [Scenario: HostCallCount] = [:]
    for scenario in Scenario.allCases {
      let simulator = SimulatedXenHost()
      simulator.isTracingEnabled = false
      let domain = simulator.createDomain(scenario.simulatedGuest)
      counts[scenario] = try await HostCallCount.measure(simulator, domain: domain, cycles: cycles)
      guard simulator.observations(of: domain).isHealthy else {
        throw SimulatedGuestFailure(domain: domain, failure: simulator.observations(of: domain).failure)
      }
    }
    return counts
  }
}

/// A simulated guest that did not survive what the controller did to it.
public struct SimulatedGuestFailure: Error, CustomStringConvertible {
  /// The domain.
  public let domain: DomainID
  /// What the guest model reported.
  public let failure: String?

  /// One line.
  public var description: String { "simulated guest \(domain) failed: \(failure ?? "unhealthy")" }
}
