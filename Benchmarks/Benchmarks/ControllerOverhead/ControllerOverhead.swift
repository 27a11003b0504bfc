import Benchmark
import BenchmarkSupport
import XenResumeCore

// The controller's own cost per cycle: every host call returns at once from NullXenHost, so wall clock, CPU and
// mallocs are the controller's (plus the counting of calls, one relaxed atomic add each).
//
// Loop benchmarks run 1,000 cycles per iteration (scaling factor kilo): the figures shown are per cycle, and the
// harness's own few allocations per iteration vanish in the division. The parallel benchmark's figures are per
// round of 200 cycles.
let benchmarks: @Sendable () -> Void = {
  let hostCalls = BenchmarkMetric.custom("Host calls per cycle", polarity: .prefersSmaller, useScalingFactor: false)
  let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .mallocCountTotal, .throughput, hostCalls]
  let loop = Benchmark.Configuration(
    metrics: metrics, warmupIterations: 2, scalingFactor: .kilo, maxDuration: .seconds(2), maxIterations: 200)
  let round = Benchmark.Configuration(
    metrics: metrics, warmupIterations: 2, scalingFactor: .one, maxDuration: .seconds(2), maxIterations: 200)

  for scenario in Scenario.allCases {
    // The fast checkpoint without metrics (no backend: the controller skips them) and with them on, through a backend
    // that only adds to atomics: side by side, the cost of the controller's metric bookkeeping.
    for metricsOn in [false, true] {
      let name = "Null/\(scenario.title)/fast checkpoint" + (metricsOn ? ", metrics on" : "")
      Benchmark(name, configuration: loop) { benchmark, fixture in
        let cycles = benchmark.scaledIterations.count
        let before = fixture.host.totalCalls
        benchmark.startMeasurement()
        try await Cycles.fast(fixture.controller, fixture.domain, count: cycles)
        benchmark.stopMeasurement()
        benchmark.measurement(hostCalls, HostCallCount.rounded(fixture.host.totalCalls - before, over: cycles))
      } setup: {
        try await NullFixture(scenario, metrics: metricsOn ? TallyingMetricsFactory() : nil)
      }
    }

    Benchmark("Null/\(scenario.title)/slow resume", configuration: loop) { benchmark, fixture in
      let cycles = benchmark.scaledIterations.count
      let before = fixture.host.totalCalls
      benchmark.startMeasurement()
      try await Cycles.slow(fixture.controller, fixture.domain, options: scenario.slowResumeOptions, count: cycles)
      benchmark.stopMeasurement()
      benchmark.measurement(hostCalls, HostCallCount.rounded(fixture.host.totalCalls - before, over: cycles))
    } setup: {
      try await NullFixture(scenario)
    }

    Benchmark("Null/\(scenario.title)/200-domain parallel checkpoint", configuration: round) { benchmark, fixture in
      let before = fixture.host.totalCalls
      benchmark.startMeasurement()
      try await Cycles.parallelFast(fixture.controller, fixture.domains)
      benchmark.stopMeasurement()
      benchmark.measurement(
        hostCalls, HostCallCount.rounded(fixture.host.totalCalls - before, over: fixture.domains.count))
    } setup: {
      try await NullFixture(scenario, domains: 200)
    }
  }
}
