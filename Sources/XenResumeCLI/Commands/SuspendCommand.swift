import ArgumentParser
import Logging
import SwiftXenResume

/// `xen-resume suspend DOMID`: suspends a running domain and reports the path taken and how long it took.
struct SuspendCommand: XenResumeCommand {
  static let configuration = CommandConfiguration(
    commandName: "suspend",
    abstract: "Suspend a running domain (it stays suspended until `xen-resume resume`).",
    discussion: """
      --path auto chooses as libxl does: the guest's suspend event channel when it advertises one, else the \
      xenstore control node for PV-aware guests, else xc_domain_shutdown for HVM guests without PV drivers.
      """)

  @OptionGroup var global: GlobalOptions
  @OptionGroup var backendOptions: BackendOptions

  @Argument(help: "The domain id, or its name as `xl list` shows it.", transform: DomainArgument.parse)
  var domain: DomainReference

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "The whole suspend's time budget, e.g. 500ms, 60s, 2m; a bare number is seconds (default: 60s).",
      valueName: "duration"),
    transform: DurationArgument.parse)
  var timeout = DurationArgument(duration: .seconds(60), text: "60s")

  @Option(help: ArgumentHelp("The suspend path; auto chooses as libxl does.", valueName: "path"))
  var path: SuspendPathArgument = .auto

  func validate() throws {
    guard timeout.duration > .zero else { throw ValidationError("--timeout must be longer than 0") }
  }

  mutating func run() async throws {
    let backend = try BackendSelection.open(backendOptions)
    // A name is only known to the host, so it becomes an id here; everything after works on the id.
    let domain = try DomainResolution.resolve(self.domain, on: backend.host)
    let controller = SuspendController(host: backend.host, logger: CommandLogging.logger())
    // Release the suspend lock and event channel binding however the command ends: the process exits right
    // after, and a later `resume` (from another process) learns the domain's facts afresh.
    defer { controller.forget(domain) }
    let suspended = try await controller.suspend(domain, timeout: timeout.duration, path: path.path)
    let report = SuspendReport(backend: backend.kind, suspended: suspended)
    if global.json {
      JSONOutput.print(report)
    } else {
      Console.printOut(report.text)
    }
  }
}
