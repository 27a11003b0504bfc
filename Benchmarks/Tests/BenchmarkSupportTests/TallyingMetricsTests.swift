import BenchmarkSupport
import Testing

/// The "metrics on" benchmarks measure the controller's bookkeeping, not the making of metric objects: the controller
/// must make each one once, in the fixture's warm-up, and reuse it for every later cycle.
@Suite struct TallyingMetricsTests {
  @Test(arguments: Scenario.allCases)
  func theWarmUpMakesEveryMetricTheCyclesUse(_ scenario: Scenario) async throws {
    let factory = TallyingMetricsFactory()
    let fixture = try await NullFixture(scenario, metrics: factory)
    let afterWarmUp = factory.handlersMade
    // The suspended-domains meter, the suspend, resume and checkpoint-pause timers, and three outcome counters.
    #expect(afterWarmUp == 7)
    try await Cycles.fast(fixture.controller, fixture.domain, count: 20)
    #expect(factory.handlersMade == afterWarmUp)
  }
}
