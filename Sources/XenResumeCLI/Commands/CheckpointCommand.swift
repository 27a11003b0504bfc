import ArgumentParser
import Logging
import SwiftXenResume

/// `xen-resume checkpoint DOMID`: repeated suspend + fast resume, and the distribution of the guest's pauses.
struct CheckpointCommand: XenResumeCommand {
  static let configuration = CommandConfiguration(
    commandName: "checkpoint",
    abstract: "Checkpoint a domain repeatedly (suspend, fast resume) and report its pause times and host calls.",
    discussion: """
      A pause is measured from the suspend request until the resume returned: the whole time the guest is \
      stopped or being stopped. All cycles use one controller, as a checkpointing toolstack would, so host \
      calls per cycle show what a cycle costs once the domain's facts are known. The first failing cycle \
      ends the run with that cycle's error.
      """)

  @OptionGroup var global: GlobalOptions
  @OptionGroup var backendOptions: BackendOptions

  @Argument(help: "The domain id, or its name as `xl list` shows it.", transform: DomainArgument.parse)
  var domain: DomainReference

  @Option(parsing: .unconditional, help: "How many checkpoints to take (at least 1).")
  var count = 10

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Time the guest runs between two checkpoints, e.g. 25ms (default: 0s, back to back).",
      valueName: "duration"),
    transform: DurationArgument.parse)
  var interval = DurationArgument(duration: .zero, text: "0s")

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp("Each suspend's time budget, e.g. 500ms, 60s (default: 60s).", valueName: "duration"),
    transform: DurationArgument.parse)
  var timeout = DurationArgument(duration: .seconds(60), text: "60s")

  @Option(help: ArgumentHelp("The suspend path; auto chooses as libxl does.", valueName: "path"))
  var path: SuspendPathArgument = .auto

  @Flag(help: "With --json: add each cycle's pause, suspend and resume in microseconds (\"cycles\").")
  var cycleDetails = false

  @Flag(
    help: ArgumentHelp(
      "One checkpoint per line read on stdin, each reported on its own JSON line with its stages and what it cost "
        + "this process (CPU, context switches, wake-ups), until end of input; --count and --interval are not used.",
      discussion: "For harnesses that interleave tools on one guest; the C reference client's paced command speaks "
        + "the same protocol."))
  var paced = false

  func validate() throws {
    guard count >= 1 else { throw ValidationError("--count must be at least 1, not \(count)") }
    guard timeout.duration > .zero else { throw ValidationError("--timeout must be longer than 0") }
  }

  mutating func run() async throws {
    let backend = try BackendSelection.open(backendOptions)
    // A name is only known to the host, so it becomes an id here; everything after works on the id.
    let domain = try DomainResolution.resolve(self.domain, on: backend.host)
    let counting = HostCallCounter(observing: backend.host)
    let controller = SuspendController(host: backend.host, logger: CommandLogging.logger())
    defer { controller.forget(domain) }
    if paced {
      let run = PacedCheckpointRun(controller: controller, domain: domain, timeout: timeout.duration, path: path.path)
      try await run.execute(nextLine: { Console.readLine() }, report: { JSONOutput.print($0) })
      return
    }
    let run = CheckpointRun(
      controller: controller, domain: domain, count: count, interval: interval.duration, timeout: timeout.duration,
      path: path.path, keepsCycles: cycleDetails)
    var progress = ProgressLine(enabled: !global.json)
    let result: CheckpointRun.Result
    do {
      result = try await run.execute { done, last in
        progress.update {
          "checkpoint domain \(run.domain): \(done)/\(run.count) cycles, last pause \(last.humanReadable)"
        }
      }
      progress.finish()
    } catch {
      // `execute` throws only `CheckpointRun.Failure`: how far the run got, and the cycle's own error.
      progress.finish()
      if !global.json, error.succeeded > 0 {
        // What was measured is still a result (stdout), so stderr keeps its one error line.
        Console.printOut("\(error.succeeded) checkpoints before the error: \(error.statistics.summary.line)")
      }
      let context =
        error.underlying is CancellationError
        ? "stopped after \(error.succeeded) of \(count) checkpoints"
        : "cycle \(error.succeeded + 1) of \(count) failed"
      throw CommandFailure(classifying: error.underlying, context: context)
    }
    let report = CheckpointReport(
      backend: backend.kind, domain: domain, result: result, hostCalls: counting.callCounts)
    if global.json {
      JSONOutput.print(report)
    } else {
      Console.writeOut(report.text)
    }
  }
}
