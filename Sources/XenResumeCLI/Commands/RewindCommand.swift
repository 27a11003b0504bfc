import ArgumentParser
import Logging
import SwiftXenResume

/// `xen-resume rewind DOMID FILE`: puts a PVH guest back to a capture of itself and resumes it from there.
struct RewindCommand: XenResumeCommand {
  static let configuration = CommandConfiguration(
    commandName: "rewind",
    abstract: "Rewind a PVH guest to a capture of itself (from `xen-resume capture`) and resume it from there.",
    discussion: """
      Reads and checks FILE first (magic, version, length, CRC-32C) and refuses a capture of another domain (its \
      handle), of another size, vcpu count or guest type, all before the guest is touched. Then suspends the \
      domain (auto path; a domain already suspended is rewound as it is), writes the captured memory and HVM \
      context back and resumes it by soft reset: the guest runs on from the captured point as a new domain. A \
      rewind refused or failed before any memory was written resumes the guest fast if this command suspended it. \
      Exit 76 with kind rewindIncomplete: memory was partly written and the domain is held paused and suspended; \
      rewind it again with the same file or destroy it.
      """)

  @OptionGroup var global: GlobalOptions
  @OptionGroup var backendOptions: BackendOptions

  @Argument(help: "The domain id, or its name as `xl list` shows it.", transform: DomainArgument.parse)
  var domain: DomainReference

  @Argument(help: "A capture file written by `xen-resume capture`.")
  var file: String

  @OptionGroup var suspendTimeout: SuspendTimeoutOption

  mutating func run() async throws {
    let backend = try BackendSelection.open(backendOptions)
    let domain = try DomainResolution.resolve(self.domain, on: backend.host)
    let controller = SuspendController(host: backend.host, logger: CommandLogging.logger())
    defer { controller.forget(domain) }
    let clock = ContinuousClock()
    let readStart = clock.now
    let capture = try CaptureFileIO.read(from: file)
    let fileReadTime = readStart.duration(to: clock.now)
    try await controller.checkRewind(of: domain, to: capture)
    let start = clock.now
    let alreadySuspended = try backend.host.domainInfo(domain).isSuspended
    var suspendReport: SuspendReport?
    if !alreadySuspended {
      suspendReport = SuspendReport(
        backend: backend.kind, suspended: try await controller.suspend(domain, timeout: suspendTimeout.timeout.duration)
      )
    }
    let progress = CopyProgressLine(verb: "written back", domain: domain)
    let rewound: ResumedDomain
    do {
      rewound = try await controller.rewind(domain, to: capture, progress: progress.report)
    } catch {
      progress.finish()
      if !alreadySuspended, Self.leftSuspendedAsItWas(error) {
        try await controller.resumeFastAfterFailure(of: domain, what: "rewind", error: error)
      }
      throw error
    }
    progress.finish()
    let report = RewindReport(
      backend: backend.kind, file: file, capture: capture, fileReadTime: fileReadTime,
      pause: alreadySuspended ? nil : start.duration(to: clock.now), suspend: suspendReport, rewound: rewound)
    if global.json {
      JSONOutput.print(report)
    } else {
      Console.printOut(report.text)
    }
  }

  /// Whether a failed rewind left the guest suspended as the suspend left it, so that resuming it fast brings back
  /// the guest as it was: refusals, and host call failures before the first page was written. A rewind that had
  /// begun writing, or had soft reset the domain, holds it paused instead, and it must stay so.
  private static func leftSuspendedAsItWas(_ error: any Error) -> Bool {
    guard let error = error as? SuspendResumeError else { return error is CancellationError }
    switch error {
    case .refused, .notSuspended, .unsupported, .alreadyInProgress, .hostCall: return true
    case .rewindIncomplete, .rebuildIncomplete, .domainNotFound, .timedOut, .shutDownForOtherReason: return false
    }
  }
}
