import BenchmarkSupport
import XenResumeCore
import XenSimulator

// 10,000 simulated domains and 100,000 suspend/resume cycles (10 fast checkpoints per domain, in rounds over every
// domain, through one controller), printing resident memory before, during and after. The first round creates the
// controller's 10,000 sessions; from then on nothing may grow with the number of cycles.
//
//   swift run -c release --package-path Benchmarks SimulatorScale [--paths all|pvEventChannel|pvXenStore|pvhvm|hvm]
//                                                                 [--timeout SECONDS] [--guest-delay-ms MS] [--markdown]
//
// --guest-delay-ms makes every guest acknowledge and suspend that long after being asked, as real guests do (the
// default is the simulator's: at once, inside the triggering call), so that the controller's waits really wait.
//
// Resident memory never shrinks back to the allocator within a process, so each configuration is its own run.

struct Options {
  var scenarios = Scenario.allCases
  var timeout = Duration.seconds(60)
  var guestDelay = Duration.zero
  var markdown = false

  init(_ arguments: [String]) {
    var arguments = arguments[...]
    while let argument = arguments.popFirst() {
      switch argument {
      case "--paths":
        let value = arguments.popFirst() ?? "all"
        guard value == "all" else {
          guard let scenario = Scenario(rawValue: value) else { fatalError("unknown path \(value)") }
          scenarios = [scenario]
          continue
        }
      case "--timeout":
        guard let seconds = arguments.popFirst().flatMap(Int.init) else { fatalError("--timeout needs seconds") }
        timeout = .seconds(seconds)
      case "--guest-delay-ms":
        guard let milliseconds = arguments.popFirst().flatMap(Int.init) else { fatalError("--guest-delay-ms needs ms") }
        guestDelay = .milliseconds(milliseconds)
      case "--markdown":
        markdown = true
      default:
        fatalError("unknown argument \(argument)")
      }
    }
  }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let domainCount = 10_000
let rounds = 10
/// Checkpoints in flight at once: enough to keep both cores busy, few enough to keep task memory small.
let concurrency = 16

let before = ResidentMemory.current()
let simulator = SimulatedXenHost(
  reactionDelays: GuestReactionDelays(acknowledgement: options.guestDelay, suspension: options.guestDelay))
simulator.isTracingEnabled = false
let domains = (0..<domainCount).map { index in
  simulator.createDomain(options.scenarios[index % options.scenarios.count].simulatedGuest)
}
let created = ResidentMemory.current()
let controller = SuspendController(host: simulator)
let timeout = options.timeout

/// One fast checkpoint of every domain, `concurrency` at a time.
func round() async throws {
  try await withThrowingTaskGroup(of: Void.self) { group in
    var next = 0
    func start() {
      let domain = domains[next]
      group.addTask { try await controller.checkpoint(domain, timeout: timeout) { _ in } }
      next += 1
    }
    while next < min(concurrency, domains.count) { start() }
    while try await group.next() != nil {
      if next < domains.count { start() }
    }
  }
}

var samples: [(cycles: Int, bytes: Int?)] = []
let clock = ContinuousClock()
let start = clock.now
for number in 1...rounds {
  try await round()
  if number == 1 || number == rounds / 2 || number == rounds {
    samples.append((number * domainCount, ResidentMemory.current()))
  }
}
let elapsed = start.duration(to: clock.now)

var unhealthy = 0
var resumed = 0
for domain in domains {
  let observations = simulator.observations(of: domain)
  if !observations.isHealthy { unhealthy += 1 }
  resumed += observations.resumesCancelled + observations.resumesUnnoticed
}

let totalCycles = rounds * domainCount
/// Growth over the second half of the run, per cycle: by then every session exists and allocators are warm.
let halfway = samples[1]
let end = samples[2]
let growthPerCycle = end.bytes.flatMap { last in halfway.bytes.map { (last - $0) / (end.cycles - halfway.cycles) } }
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let paths = options.scenarios.count == Scenario.allCases.count ? "all four paths" : options.scenarios[0].title
let timeoutText = "\(timeout.components.seconds) s"
let delayText = options.guestDelay == .zero ? "at once" : "after \(Int(options.guestDelay / .milliseconds(1))) ms"

if options.markdown {
  // One row of the README's scale table.
  let columns =
    [paths, delayText, timeoutText, ResidentMemory.format(before), ResidentMemory.format(created)]
    + samples.map { ResidentMemory.format($0.bytes) }
    + [growthPerCycle.map { "\($0) B" } ?? "n/a", "\(Int(Double(totalCycles) / seconds))"]
  print("| " + columns.joined(separator: " | ") + " |")
} else {
  print("domains: \(domainCount) (\(options.scenarios.map(\.title).joined(separator: "; ")) in turn)")
  print(
    "cycles: \(totalCycles) fast checkpoints through one controller, \(concurrency) at a time, timeout \(timeoutText), "
      + "guests answering \(delayText)")
  print("resident before creating domains: \(ResidentMemory.format(before))")
  print("resident after creating domains: \(ResidentMemory.format(created))")
  for sample in samples {
    print("resident after \(sample.cycles) cycles: \(ResidentMemory.format(sample.bytes))")
  }
  print(
    "growth from cycle \(halfway.cycles) to \(end.cycles): \(growthPerCycle.map(String.init) ?? "n/a") bytes per cycle")
  print("elapsed: \(Int(seconds * 1000)) ms, \(Int(Double(totalCycles) / seconds)) cycles/s")
  print("guests resumed: \(resumed) of \(totalCycles); unhealthy guests: \(unhealthy)")
}
if unhealthy > 0 || resumed != totalCycles {
  fatalError("the simulated guests did not all survive their cycles")
}
