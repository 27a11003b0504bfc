import Benchmark
import BenchmarkSupport
import XenResumeCore

// The same cycles as ControllerOverhead, end to end over XenSimulator (tracing off, guests answering inside the
// triggering call), counted by a HostCallCounter: controller, simulated hypervisor, xenstored, event channels and guest
// models together.
//
// Loop benchmarks run 1,000 cycles per iteration (scaling factor kilo): the figures shown are per cycle. The
// parallel benchmark's figures are per round of 200 cycles.
let benchmarks: @Sendable () -> Void = {
  let hostCalls = BenchmarkMetric.custom("Host calls per cycle", polarity: .prefersSmaller, useScalingFactor: false)
  let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .mallocCountTotal, .throughput, hostCalls]
  let loop = Benchmark.Configuration(
    metrics: metrics, warmupIterations: 1, scalingFactor: .kilo, maxDuration: .seconds(2), maxIterations: 100)
  let round = Benchmark.Configuration(
    metrics: metrics, warmupIterations: 1, scalingFactor: .one, maxDuration: .seconds(2), maxIterations: 100)

  for scenario in Scenario.allCases {
    Benchmark("Simulator/\(scenario.title)/fast checkpoint", configuration: loop) { benchmark, fixture in
      let cycles = benchmark.scaledIterations.count
      let before = fixture.calls.totalCalls
      benchmark.startMeasurement()
      try await Cycles.fast(fixture.controller, fixture.domain, count: cycles)
      benchmark.stopMeasurement()
      benchmark.measurement(hostCalls, HostCallCount.rounded(fixture.calls.totalCalls - before, over: cycles))
    } setup: {
      try await SimulatorFixture(scenario)
    }

    Benchmark("Simulator/\(scenario.title)/slow resume", configuration: loop) { benchmark, fixture in
      let cycles = benchmark.scaledIterations.count
      let before = fixture.calls.totalCalls
      benchmark.startMeasurement()
      try await Cycles.slow(fixture.controller, fixture.domain, options: scenario.slowResumeOptions, count: cycles)
      benchmark.stopMeasurement()
      benchmark.measurement(hostCalls, HostCallCount.rounded(fixture.calls.totalCalls - before, over: cycles))
    } setup: {
      try await SimulatorFixture(scenario)
    }

    Benchmark("Simulator/\(scenario.title)/200-domain parallel checkpoint", configuration: round) {
      benchmark, fixture in
      let before = fixture.calls.totalCalls
      benchmark.startMeasurement()
      try await Cycles.parallelFast(fixture.controller, fixture.domains)
      benchmark.stopMeasurement()
      benchmark.measurement(
        hostCalls, HostCallCount.rounded(fixture.calls.totalCalls - before, over: fixture.domains.count))
    } setup: {
      try await SimulatorFixture(scenario, domains: 200)
    }
  }
}
