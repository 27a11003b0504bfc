import BenchmarkSupport
import Foundation
import XenResumeCore

// `swift run -c release --package-path Benchmarks MetricsCost [ROUNDS]`: what the controller's metrics cost per fast
// checkpoint of a PV guest over the null host. Two controllers side by side in one process, one with metrics off
// (swift-metrics' no-op factory, the default) and one with them on (TallyingMetricsFactory, a backend that only adds
// to atomics), run in alternating blocks of 1,000 checkpoints (which goes first alternates too), so both see the same
// machine. Prints each setting's median time per checkpoint and the median of the rounds' on/off ratios with the
// spread of those ratios (p10 to p90): noise shows as spread instead of hiding in one figure.
let rounds = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 41
let block = 1000
let off = try await NullFixture(.pvXenStore)
let on = try await NullFixture(.pvXenStore, metrics: TallyingMetricsFactory())
let clock = ContinuousClock()

/// Nanoseconds per checkpoint over one block.
func perCheckpoint(_ fixture: NullFixture) async throws -> Double {
  let start = clock.now
  try await Cycles.fast(fixture.controller, fixture.domain, count: block)
  let elapsed = start.duration(to: clock.now)
  return Double(elapsed.components.seconds) * 1e9 / Double(block) + Double(elapsed.components.attoseconds) / 1e9
    / Double(block)
}

/// The value at `fraction` of the sorted values.
func quantile(_ values: [Double], _ fraction: Double) -> Double {
  let sorted = values.sorted()
  return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction + 0.5))]
}

var offTimes: [Double] = []
var onTimes: [Double] = []
var ratios: [Double] = []
for round in 0..<rounds {
  let (first, second) = round.isMultiple(of: 2) ? (off, on) : (on, off)
  let a = try await perCheckpoint(first)
  let b = try await perCheckpoint(second)
  let (offTime, onTime) = round.isMultiple(of: 2) ? (a, b) : (b, a)
  offTimes.append(offTime)
  onTimes.append(onTime)
  ratios.append(onTime / offTime)
}
func format(_ value: Double) -> String { String(format: "%.0f", value) }
print(
  "metrics-cost: \(rounds) rounds of \(block) fast checkpoints each way: metrics off p50 \(format(quantile(offTimes, 0.5))) ns, "
    + "on p50 \(format(quantile(onTimes, 0.5))) ns per checkpoint; on/off ratio p50 "
    + String(format: "%.3f (p10 %.3f, p90 %.3f)", quantile(ratios, 0.5), quantile(ratios, 0.1), quantile(ratios, 0.9)))
