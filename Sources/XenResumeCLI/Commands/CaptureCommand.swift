import ArgumentParser
import Logging
import SwiftXenResume
import SystemPackage

/// `xen-resume capture DOMID FILE`: suspends a PVH guest, copies its memory and HVM context, resumes it fast, and
/// writes the capture to a file for `xen-resume rewind`.
struct CaptureCommand: XenResumeCommand {
  static let configuration = CommandConfiguration(
    commandName: "capture",
    abstract: "Capture a PVH guest's memory and vcpu state into a file, for `xen-resume rewind`.",
    discussion: """
      Suspends the domain (auto path), copies every page of its RAM and its HVM context while it is suspended, \
      resumes it fast, then writes FILE (the guest runs again before the file is written). A domain that is \
      already suspended is captured and left suspended. With --leave-suspended the guest stays suspended. Only PVH \
      guests can be captured: PV guests have no soft reset, and PVHVM and HVM guests have a device model whose \
      state is not captured. FILE is replaced only once the whole capture is written (a temporary file is renamed).
      """)

  @OptionGroup var global: GlobalOptions
  @OptionGroup var backendOptions: BackendOptions

  @Argument(help: "The domain id, or its name as `xl list` shows it.", transform: DomainArgument.parse)
  var domain: DomainReference

  @Argument(help: "Where to write the capture.")
  var file: String

  @Flag(name: .customLong("leave-suspended"), help: "Leave the guest suspended after the capture.")
  var leaveSuspended = false

  @OptionGroup var suspendTimeout: SuspendTimeoutOption

  mutating func run() async throws {
    let backend = try BackendSelection.open(backendOptions)
    let domain = try DomainResolution.resolve(self.domain, on: backend.host)
    let controller = SuspendController(host: backend.host, logger: CommandLogging.logger())
    defer { controller.forget(domain) }
    let clock = ContinuousClock()
    let progress = CopyProgressLine(verb: "captured", domain: domain)
    let start = clock.now
    let alreadySuspended = try backend.host.domainInfo(domain).isSuspended
    // Refused guest types are refused before the guest is suspended.
    try await controller.checkCapture(of: domain)
    var suspendReport: SuspendReport?
    if !alreadySuspended {
      suspendReport = SuspendReport(
        backend: backend.kind, suspended: try await controller.suspend(domain, timeout: suspendTimeout.timeout.duration)
      )
    }
    let captureStart = clock.now
    let capture: GuestCapture
    do {
      capture = try await controller.capture(domain, progress: progress.report)
    } catch {
      progress.finish()
      if !alreadySuspended { try await controller.resumeFastAfterFailure(of: domain, what: "capture", error: error) }
      throw error
    }
    progress.finish()
    let captureTime = captureStart.duration(to: clock.now)
    var resumeReport: ResumeReport?
    if !alreadySuspended && !leaveSuspended {
      resumeReport = ResumeReport(backend: backend.kind, resumed: try await controller.resume(domain, mode: .fast))
    }
    let pause = alreadySuspended ? nil : start.duration(to: clock.now)
    let writeStart = clock.now
    try CaptureFileIO.write(capture, to: file)
    let report = CaptureReport(
      backend: backend.kind, domain: domain, file: file, capture: capture,
      leftSuspended: alreadySuspended || leaveSuspended, captureTime: captureTime,
      holeScanTime: progress.emptyBatchTime,
      fileWriteTime: writeStart.duration(to: clock.now), pause: pause, suspend: suspendReport, resume: resumeReport)
    if global.json {
      JSONOutput.print(report)
    } else {
      Console.printOut(report.text)
    }
  }

}
