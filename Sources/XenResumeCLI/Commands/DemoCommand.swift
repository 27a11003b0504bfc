import ArgumentParser
import Logging
import SwiftXenResume
import XenSimulator

/// `xen-resume demo`: every suspend path and resume mode on one simulated guest of each type, checked against
/// what the guests saw.
struct DemoCommand: XenResumeCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Always simulated: run every path on a simulated guest of each type and check what the guests saw.",
    discussion: """
      Never touches real Xen, on any machine: every line it prints starts with 'simulated:'. Starts a simulator with pv32, pv64, pvhvm-evtchn, pvhvm, hvm, pvh and a guest that never acknowledges \
      (domains 1 to 7), runs suspend/resume steps on each and prints what happened. Exits 1 if any step did \
      not behave as it must.
      """)

  @OptionGroup var global: GlobalOptions

  @Option(
    help: ArgumentHelp("The demo always runs on the simulator; xen is refused.", valueName: "simulator"),
    transform: BackendChoice.parse)
  var backend: BackendChoice = .simulator

  func validate() throws {
    if backend == .xen {
      throw ValidationError("the demo creates its own guests and runs on the simulator only, not on real Xen")
    }
  }

  mutating func run() async throws {
    Console.markSimulated()
    let simulator = SimulatedXenHost()
    var guests: [(domain: DomainID, guest: DemoGuest)] = []
    for guest in DemoGuest.all {
      guests.append((simulator.createDomain(guest.guest), guest))
    }
    let controller = SuspendController(host: simulator, logger: CommandLogging.logger())
    var runner = DemoRunner(simulator: simulator, controller: controller)
    let report = await runner.run(guests)
    if global.json {
      JSONOutput.print(report)
    } else {
      Console.writeOut(report.text)
    }
    if !report.ok {
      Console.printError(
        "xen-resume: error: "
          + Console.marked("\(report.rows.filter { !$0.ok }.count) demo steps did not behave as they must"))
      throw AlreadyReported(status: .failure)
    }
  }
}
