import ArgumentParser
import Logging
import SwiftXenResume
import XenSimulator

/// `xen-resume resume DOMID`: resumes a suspended domain.
struct ResumeCommand: XenResumeCommand {
  static let configuration = CommandConfiguration(
    commandName: "resume",
    abstract: "Resume a suspended domain.",
    discussion: """
      A domain that is not suspended is left alone (exit 1). In simulator mode each process starts a fresh \
      simulated host whose guests run, so add --suspend-first to suspend the domain in the same process first.
      """)

  @OptionGroup var global: GlobalOptions
  @OptionGroup var backendOptions: BackendOptions

  @Argument(help: "The domain id, or its name as `xl list` shows it.", transform: DomainArgument.parse)
  var domain: DomainReference

  @Flag(exclusivity: .exclusive)
  var mode: ResumeModeFlag = .fast

  @Flag(
    name: .customLong("confirm-slow"),
    help: """
      Allow --slow without a soft reset on a PV guest (Xen has no soft reset for PV), or on a PVH or PVHVM guest \
      with --without-soft-reset. Measured on Xen 4.17 and 4.20: Linux 6.1 and 6.12 guests then panic \
      ("register_vcpu_info failed"), 5.10 hangs. Not needed for the soft-reset resume of PVH and PVHVM guests. \
      The survival matrix: the documentation's "Choosing a resume".
      """)
  var confirmSlow = false

  @Flag(
    name: .customLong("without-soft-reset"),
    help: """
      With --slow on a PVH or PVHVM guest: only XEN_DOMCTL_resumedomain, as libxl and COLO do, instead of the \
      soft reset that Linux survives; needs --confirm-slow. No effect on PV and HVM guests.
      """)
  var withoutSoftReset = false

  @Flag(
    name: .customLong("suspend-first"),
    help: "Simulator only: suspend the domain (auto path) in this process before resuming it.")
  var suspendFirst = false

  func validate() throws {
    if confirmSlow && mode != .slow { throw ValidationError("--confirm-slow only applies together with --slow") }
    if withoutSoftReset && mode != .slow {
      throw ValidationError("--without-soft-reset only applies together with --slow")
    }
  }

  mutating func run() async throws {
    let backend = try BackendSelection.open(backendOptions)
    if suspendFirst && backend.kind != .simulator {
      throw CommandFailure.usage(
        "--suspend-first only applies to the simulator; on real Xen suspend with `xen-resume suspend \(domain)`")
    }
    // A name is only known to the host, so it becomes an id here; everything after works on the id.
    let domain = try DomainResolution.resolve(self.domain, on: backend.host)
    let controller = SuspendController(host: backend.host, logger: CommandLogging.logger())
    defer { controller.forget(domain) }
    if suspendFirst {
      _ = try await controller.suspend(domain)
    }
    var options: ResumeOptions = []
    if confirmSlow { options.insert(.confirmSlowResumeOfPVAwareGuest) }
    if withoutSoftReset { options.insert(.resumeSlowWithoutSoftReset) }
    let resumed: ResumedDomain
    do {
      resumed = try await controller.resume(domain, mode: mode.mode, options: options)
    } catch let error as SuspendResumeError {
      throw await explainSlowRefusal(error, of: domain, controller: controller)
    }
    let report = ResumeReport(backend: backend.kind, resumed: resumed)
    if global.json {
      JSONOutput.print(report)
    } else {
      Console.printOut(report.text)
    }
    warnIfSimulatedGuestDied(domain, on: backend)
  }

  /// On the simulator the guest's own fate is known: a confirmed slow resume without a soft reset of a Linux model
  /// succeeds as a call and then panics, as on real Xen, so say so instead of letting the success line stand alone.
  private func warnIfSimulatedGuestDied(_ domain: DomainID, on backend: Backend) {
    guard let simulator = backend.simulator else { return }
    let observations = simulator.observations(of: domain)
    guard !observations.isHealthy else { return }
    Console.printError(
      "xen-resume: warning: simulated guest \(domain) did not survive: \(observations.failure ?? "no reason given")")
  }

  /// A slow resume of a PV-aware guest refused for want of `--confirm-slow` gets the operator's side of the
  /// story: what happens to Linux guests, that nothing changed, and which flag to pass.
  private func explainSlowRefusal(
    _ error: SuspendResumeError, of domain: DomainID, controller: SuspendController
  ) async -> any Error {
    guard case .refused = error, mode == .slow, !confirmSlow, domain != .dom0,
      let guestType = try? await controller.guestType(of: domain), guestType == .pv || withoutSoftReset,
      guestType.isPVAware
    else { return error }
    let instead = guestType == .pv ? "" : " (or with --slow alone, the soft-reset resume Linux survives)"
    return CommandFailure(
      .refused,
      "\(error). No Linux PV, PVH or PVHVM guest measured on Xen 4.17 or 4.20 survives a same-domain slow resume "
        + "without a soft reset. Domain \(domain) is still suspended: resume it with --fast\(instead), "
        + "or add --confirm-slow if this \(guestType) guest really needs it")
  }
}
