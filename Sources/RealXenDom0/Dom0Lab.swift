import RealXenLab
import Synchronization

/// Everything a scenario needs in dom0: the lab, the options, the tools, Xen's view, the console and the guests'
/// tallies. Scenarios are methods in extensions of it (one file per family); each records its facts with `record`, which
/// judges them there and then and prints the result.
public final class Dom0Lab: Sendable {
  /// The lab of this run.
  public let lab: Lab
  /// The kernel command line's options.
  public let options: Dom0Options
  /// The programs.
  public let tools: LabTools
  /// Xen's view, through the C client.
  public let xen: XenView
  /// The serial console.
  public let console: LabConsole
  private let tallies = Mutex<[String: GuestTally]>([:])
  private let budgetReported = Mutex(false)

  /// A lab context.
  public init(lab: Lab, options: Dom0Options, tools: LabTools, console: LabConsole) {
    self.lab = lab
    self.options = options
    self.tools = tools
    self.xen = XenView(tools: tools)
    self.console = console
  }

  /// Judges `facts` for `guest` ("dom0" / "none" when `nil` and `row` says so) and prints the result.
  public func record<Facts: ScenarioFacts>(_ scenario: String, guest: LabGuest?, row: String? = nil, _ facts: Facts) {
    let problems = facts.problems(in: JudgeContext(lab: lab, guest: guest))
    console.result(
      ScenarioResult(scenario: scenario, guest: row ?? guest?.name ?? "dom0", problems: problems, facts: facts))
  }

  /// Prints a result judged elsewhere (a relayed line of the conformance suite or the lifecycle program).
  public func record(_ scenario: String, row: String, problems: [String], facts: JSONDocument) {
    console.result(ScenarioResult(scenario: scenario, guest: row, problems: problems, facts: facts))
  }

  /// Whether there is time left before dom0's deadline. The first time there is not, a failed "time-budget" result
  /// says so (the scenarios not run are then missing from the report).
  public func budgetAllows() -> Bool {
    guard Uptime.seconds() >= options.deadline else { return true }
    let first = budgetReported.withLock { reported in
      defer { reported = true }
      return !reported
    }
    if first {
      record(
        "time-budget", row: "dom0",
        problems: ["dom0 deadline \(options.deadline) s reached: remaining scenarios skipped"],
        facts: .object(["deadline": .number(options.deadline)]))
    }
    return false
  }

  /// Changes the tally of `guest`.
  public func tally(_ guest: LabGuest, _ change: (inout GuestTally) -> Void) {
    tallies.withLock { change(&$0[guest.name, default: GuestTally()]) }
  }

  /// The tally of `guest` so far.
  public func tally(of guest: LabGuest) -> GuestTally { tallies.withLock { $0[guest.name] ?? GuestTally() } }

  /// Checkpoint blocks per tool and cycles per block for `guest`: PVHVM's suspends take seconds under this emulation
  /// (Linux saves and restores every emulated PCI device's config space through the device model), so it runs fewer;
  /// a guest there for another kernel runs 2 blocks of 10 (cycles are cut before coverage).
  public func checkpointBlocks(for guest: LabGuest) -> (blocks: Int, size: Int) {
    if guest.type == .pvhvm { return (options.pvhvmBlocks, options.pvhvmBlock) }
    if guest.role == .kernel { return (2, 10) }
    return (options.blocks, 10)
  }

  /// How a scenario's leftover suspension is undone.
  public enum Recovery: String, Sendable {
    /// After a cooperative suspend.
    case fast
    /// After a forced one.
    case uncooperative
  }

  /// If a failed scenario left the guest suspended, resumes it with the C client so the scenarios after it still mean
  /// something. Returns what it did (`"fast rc=0"`), `nil` when there was nothing to do.
  public func recover(_ guest: GuestRun, _ how: Recovery) async -> String? {
    guard let view = await xen.domain(guest.domain), view.isSuspended else { return nil }
    let record = await tools.cClient(["resume", guest.id, "--" + how.rawValue])
    return "\(how.rawValue) \(record.status)"
  }
}
