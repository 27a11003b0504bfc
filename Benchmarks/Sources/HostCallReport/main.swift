import BenchmarkSupport
import XenResumeCore

// Prints, as markdown, host calls per fast checkpoint cycle in a loop for every scenario: measured with
// A HostCallCounter on NullXenHost (and over XenSimulator), beside the doc's minimal sequence and libxl's count.
// `update-readme.sh` pastes the output into README.md.

let cycles = 1_000
var measured: [Scenario: HostCallCount] = [:]
for scenario in Scenario.allCases {
  let host = NullXenHost()
  let domain = host.createDomain(scenario.nullGuest)
  measured[scenario] = try await HostCallCount.measure(host, domain: domain, cycles: cycles)
}
let simulated = try await SimulatedHostCalls.measure(cycles: cycles)

print("| path | measured, null host | measured, simulator | minimal (doc) | libxl + libxenguest 4.17 |")
print("|---|---:|---:|---:|---:|")
for scenario in Scenario.allCases {
  let reference = scenario.reference
  let simulatedTotal = simulated[scenario].map { HostCallCount.format($0.total) } ?? "n/a"
  print(
    "| \(scenario.title) | \(HostCallCount.format(measured[scenario]!.total)) | \(simulatedTotal) "
      + "| \(reference.minimal.count) | \(reference.libxlCycle) "
      + "(\(reference.libxlSuspend.count) + \(reference.libxlResume.count)) |")
}

print()
/// One cycle's calls in order, with the mean over every cycle added where it differs from that one cycle.
func describe(_ count: HostCallCount) -> String {
  let sequence = count.sequence.map(\.rawValue).joined(separator: ", ")
  let steady = count.perCycle.allSatisfy { entry in
    Double(count.sequence.filter { $0 == entry.operation }.count) == entry.calls
  }
  return steady ? sequence : "\(sequence) (mean per cycle: \(count.breakdown))"
}

print("Measured: one cycle in order (`XenHostOperation` names; the `@releaseDomain` pump's `xs_read_watch` runs on")
print("its own task, so its place varies); every operation's mean over \(cycles) cycles equals that cycle's count")
print("unless shown. XenSimulator guests answer inside the triggering call; its tracing is off.")
print()
print("| path | measured, null host | measured, simulator | minimal (doc) |")
print("|---|---|---|---|")
for scenario in Scenario.allCases {
  let simulatedSequence = simulated[scenario].map(describe) ?? "n/a"
  print(
    "| \(scenario.title) | \(describe(measured[scenario]!)) | \(simulatedSequence) "
      + "| \(scenario.reference.minimal.joined(separator: ", ")) |")
}
print()
print("Beyond the first measured figures (7d27520), a cycle may make only the calls named here; the")
print("package's HostCallBudgetTests fail on any other call.")
print()
print("| path | first figures | now (null host) | limit | calls added, and why |")
print("|---|---:|---:|---:|---|")
for scenario in Scenario.allCases {
  let budget = scenario.hostCallBudget
  let sequence = measured[scenario]!.sequence
  let unnamed = budget.excess(over: sequence).map { "**unnamed: \($0.rawValue)**" }
  let named = budget.additions.map { "`\($0.operation.rawValue)`: \($0.reason)" }
  print(
    "| \(scenario.title) | \(budget.baseline.count) | \(HostCallCount.format(measured[scenario]!.total)) "
      + "| \(budget.limit) | \((named + unnamed).joined(separator: "<br>")) |")
}
print()
print("libxl's calls, in order (suspend, then resume):")
for scenario in Scenario.allCases {
  let reference = scenario.reference
  print()
  print("<details><summary>\(scenario.title): \(reference.libxlCycle) calls</summary>")
  print()
  for (number, call) in (reference.libxlSuspend + reference.libxlResume).enumerated() {
    let half = number < reference.libxlSuspend.count ? "suspend" : "resume"
    print("\(number + 1). \(half): `\(call.name)` — \(call.madeBy)")
  }
  print()
  print("</details>")
}
