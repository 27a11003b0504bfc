import ArgumentParser
import Logging
import SwiftXenResume

/// `xen-resume status [DOMAIN…]`: what each domain is and how it would be suspended, without touching it; every
/// domain when none is named, as `xl list` lists them.
struct StatusCommand: XenResumeCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show guest type, state, shutdown reason and the suspend path each domain would take, and why.",
    discussion: """
      Without a domain, lists every domain Xen knows (dom0 included), as `xl list` does. A domain is named by \
      its id or by its name (xenstore's /local/domain/<id>/name, which `xl list` shows).
      """)

  @OptionGroup var global: GlobalOptions
  @OptionGroup var backendOptions: BackendOptions

  @Argument(
    help: "Domain ids or names, as `xl list` shows them; none: every domain.", transform: DomainArgument.parse)
  var domains: [DomainReference] = []

  mutating func run() async throws {
    let backend = try BackendSelection.open(backendOptions)
    let host = backend.host
    let controller = SuspendController(host: host, logger: CommandLogging.logger())
    var statuses: [StatusReport.Domain] = []
    if domains.isEmpty {
      for info in try host.domains() {
        do {
          statuses.append(try await Self.status(of: info.domain, controller: controller, host: host))
        } catch SuspendResumeError.domainNotFound {
          // Destroyed between the listing and its own look: it is gone, which is no error in a listing.
          continue
        }
      }
    } else {
      for reference in domains {
        let domain = try DomainResolution.resolve(reference, on: host)
        statuses.append(try await Self.status(of: domain, controller: controller, host: host))
      }
    }
    let report = StatusReport(
      backend: backend.kind, xenLibrary: backend.kind == .xen ? StatusReport.XenLibrary(LibxenHost.libraryFacts) : nil,
      domains: statuses)
    if global.json {
      JSONOutput.print(report)
    } else {
      Console.writeOut(report.table)
    }
  }

  /// One domain's line. A domain whose path cannot be planned (e.g. a PVH guest without `feature-suspend`) is
  /// still reported, with no path and the reason; a domain that does not exist fails the command.
  static func status(of domain: DomainID, controller: SuspendController, host: any XenHost) async throws
    -> StatusReport.Domain
  {
    let guestType: GuestType
    var width: GuestWidth?
    var path: SuspendPath?
    var reason: String
    do {
      let plan = try await controller.suspendPlan(for: domain)
      guestType = plan.guestType
      width = plan.width
      path = plan.path
      reason = plan.reason
    } catch let error as SuspendResumeError {
      switch error {
      case .unsupported, .refused:
        guestType = try await controller.guestType(of: domain)
        reason = "cannot be suspended: \(error)"
      default:
        throw error
      }
    }
    let info: DomainInfo
    do {
      info = try host.domainInfo(domain)
    } catch let error as XenCallError where error.errno == .noSuchProcess {
      throw SuspendResumeError.domainNotFound(domain)
    }
    if domain == .dom0 {
      // suspendPlan describes dom0 like any guest, but suspend and resume refuse it before planning anything.
      path = nil
      reason = "domain 0 is the control domain: suspend and resume refuse it"
    }
    return StatusReport.Domain(
      domain: domain, name: try DomainResolution.name(of: domain, on: host), guestType: guestType, width: width,
      state: DomainState(info), shutdownReason: info.shutdownReason, suspendPath: path, pathReason: reason)
  }
}
