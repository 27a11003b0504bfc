// The real-Xen harness's program: `dom0` runs the lab in the lab's dom0 (the driver: boots the guests, runs the
// scenarios, prints their judged results on the serial console); `report` runs on the host after the lab and reads
// those results back from the serial log (the table, the failures, the pause times, the survival matrix's cells).
import ArgumentParser
import Glibc
import RealXenDom0
import RealXenLab

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// `xen-resume-lab dom0 …` and `xen-resume-lab report …`.
struct XenResumeLab: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "xen-resume-lab",
    abstract: "The real-Xen lab: its driver in dom0, and its report on the host.",
    subcommands: [Dom0Command.self, ReportCommand.self])
}

/// The lab's table and release, which both subcommands take.
struct LabOptions: ParsableArguments {
  @Option(name: .customLong("lab-table"), help: "labs.json (Tests/RealXen/labs.json).")
  var labTable: String

  @Option(name: .customLong("xen"), help: "The lab's Xen release (4.17, 4.20).")
  var xen: String

  /// labs.json, decoded; `nil` (after saying why on stderr) when it cannot be read.
  func table() -> LabTable? {
    guard let data = try? Data(contentsOf: URL(filePath: labTable)) else {
      printError("xen-resume-lab: cannot read \(labTable)")
      return nil
    }
    do {
      return try LabTable.decode(String(decoding: data, as: UTF8.self))
    } catch {
      printError("xen-resume-lab: \(error)")
      return nil
    }
  }
}

/// `dom0`: the driver, in the lab's dom0.
struct Dom0Command: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dom0", abstract: "Run the lab's scenarios in dom0 and print their results on the console.")

  @OptionGroup var lab: LabOptions

  func run() async throws {
    guard let table = lab.table() else { throw ExitCode(2) }
    throw ExitCode(await Dom0Driver.run(table: table, xen: lab.xen))
  }
}

/// `report`: the lab's report from its serial log, on the host.
struct ReportCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Report a lab's run from its serial log: exit 1 when anything failed or is missing, 2 when the log "
      + "cannot be read.")

  @OptionGroup var lab: LabOptions

  @Option(help: "The guests the run started, comma-separated (default: all of the lab's).")
  var guests: String?

  @Option(help: "Where to write the survival matrix's cells (default: survival.json beside the serial log).")
  var survival: String?

  @Argument(help: "The serial log (work/xen-XEN/logs/serial.log).")
  var serialLog: String

  func run() async throws {
    guard let table = lab.table() else { throw ExitCode(2) }
    let entry: Lab
    do {
      entry = try table.lab(xen: lab.xen)
    } catch {
      printError("xen-resume-lab: \(error)")
      throw ExitCode(2)
    }
    var started = entry.guests
    if let guests {
      let names = guests.split(separator: ",").map(String.init)
      let unknown = names.filter { entry.guest($0) == nil }
      guard unknown.isEmpty else {
        printError("xen-resume-lab: no guest \(unknown.joined(separator: ", ")) in the Xen \(entry.xen) lab")
        throw ExitCode(2)
      }
      started = entry.guests.filter { names.contains($0.name) }
    }
    guard let log = try? Data(contentsOf: URL(filePath: serialLog)) else {
      print("report: cannot read \(serialLog)")
      throw ExitCode(2)
    }
    let directory = URL(filePath: serialLog).deletingLastPathComponent()
    // boot-timings.json (run.sh's, beside the log) goes into the report as it is, when there is one.
    let timings = (try? Data(contentsOf: directory.appending(path: "boot-timings.json")))
      .map { String(decoding: $0, as: UTF8.self) }
    let report = LabReport(
      lab: entry, guests: started, log: String(decoding: log, as: UTF8.self), timings: timings)
    print(report.text, terminator: "")
    let survivalURL = survival.map { URL(filePath: $0) } ?? directory.appending(path: "survival.json")
    do {
      try Data(report.survivalJSON.utf8).write(to: survivalURL)
    } catch {
      printError("xen-resume-lab: cannot write \(survivalURL.path): \(error)")
      throw ExitCode(1)
    }
    if report.failed > 0 { throw ExitCode(1) }
  }
}

/// One line on stderr, in one write.
func printError(_ line: String) {
  var text = line + "\n"
  text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}

/// Runs the command line. (Top-level code resolves `main()` to ParsableCommand's synchronous one, which cannot run an
/// async command; in an async function it is AsyncParsableCommand's.)
func runLab() async {
  await XenResumeLab.main()
}

await runLab()
