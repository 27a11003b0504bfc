import ArgumentParser
import Synchronization
import XenResumeSoak

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `Soak --seed N --steps M`: the randomised soak of the controller over the simulator, for runs longer than the
/// test suite's. Prints progress to stderr, each finding as a test to paste, and last one line
/// `soak: <steps> steps, <sequences> sequences, <violations> violations`; exits 1 when any sequence broke a promise.
@main
struct SoakCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "Soak", abstract: "Random operation sequences against the simulator, every promise checked.")

  @Option(help: "The seed the sequences come from.")
  var seed: UInt64 = 1

  @Option(help: "How many steps to run (at least).")
  var steps: Int = 100_000

  @Option(help: "Steps per sequence after its first guests.")
  var stepsPerSequence: Int = 40

  func validate() throws {
    guard steps > 0 else { throw ValidationError("--steps must be positive") }
    guard stepsPerSequence > 0 else { throw ValidationError("--steps-per-sequence must be positive") }
  }

  func run() async throws {
    let clock = ContinuousClock()
    let start = clock.now
    let printed = Mutex(0)
    let report = await Soak(seed: seed, stepsPerSequence: stepsPerSequence).run(steps: steps) { report in
      // Each finding as soon as it is shrunk: a long run's first finding need not wait for its end.
      let new = printed.withLock { count in
        defer { count = report.findings.count }
        return report.findings.dropFirst(count)
      }
      for finding in new { printOut(finding.swiftTest + "\n") }
      if report.sequences % 1000 == 0 { printError("\(report.summary) after \(clock.now - start)") }
    }
    printError("seed \(seed), \(clock.now - start)")
    printOut(report.summary)
    if report.violations > 0 { throw ExitCode(1) }
  }
}

/// Progress goes to stderr, so stdout holds only the findings and the summary line.
private func printError(_ line: String) {
  writeLine(line, to: STDERR_FILENO)
}

/// Findings and the summary, written at once (stdio would hold a long run's findings back until it ends).
private func printOut(_ line: String) {
  writeLine(line, to: STDOUT_FILENO)
}

private func writeLine(_ line: String, to descriptor: Int32) {
  let bytes = Array((line + "\n").utf8)
  _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
}
