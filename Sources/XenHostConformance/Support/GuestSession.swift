@_spi(XenHostBackends) import XenResumeCore

/// One check's dealings with one guest: how it suspended the guest, what it subscribed, bound and watched, and how
/// to undo all of it.
///
/// Every per-guest check runs inside a session, and the suite calls `restore()` after the check whatever its
/// verdict, so a guest is always left as it was found: running, unsubscribed, unbound. The resume matches how the
/// guest was stopped, as libxenguest's `xc_domain_resume` and libxl do it: a guest that made its own suspend
/// hypercall gets vcpu0's return register set to 1 ("suspend cancelled") before `XEN_DOMCTL_resumedomain`; a guest
/// stopped by `xc_domain_shutdown` is resumed without touching a register (it was not in a hypercall, and a changed
/// register would corrupt it). Both end with XS_RESUME, so xenstored fires `@releaseDomain` for the next shutdown.
final class GuestSession {
  /// How the guest was stopped, which decides how it is resumed.
  enum SuspendMethod {
    /// The guest was asked through `control/shutdown` and made its own suspend hypercall.
    case cooperative
    /// Xen stopped it with `xc_domain_shutdown(SHUTDOWN_suspend)` wherever it was.
    case forced
  }

  let guest: ConformanceGuest
  let context: CheckContext
  private(set) var suspendedBy: SuspendMethod?
  private var requestPending = false
  private var subscribed = false
  private var boundPorts: [EventChannelPort] = []
  private var watches: [ReleaseDomainWatch] = []

  init(_ guest: ConformanceGuest, _ context: CheckContext) {
    self.guest = guest
    self.context = context
  }

  private var host: any XenHost { context.host }
  private var domain: DomainID { guest.domain }

  // MARK: What a check may do

  /// Opens a `@releaseDomain` watch that the session removes at the end.
  func releaseDomainWatch() async throws -> ReleaseDomainWatch {
    let watch = try await ReleaseDomainWatch.open(context)
    watches.append(watch)
    return watch
  }

  /// Suspends the guest the way a toolstack must for its type: a PV-aware guest through `control/shutdown`, a pure
  /// HVM guest with `xc_domain_shutdown`. Waits on `watch` until Xen reports the guest suspended; with
  /// `requiringEvent`, until an `@releaseDomain` event shows it (a suspend seen only by reading the domain's state
  /// then fails the check).
  func suspendAsItsTypeRequires(watching watch: ReleaseDomainWatch, requiringEvent: Bool = false) async throws {
    if guest.type.isPVAware {
      try await suspendCooperatively(watching: watch, requiringEvent: requiringEvent)
    } else {
      try forceSuspend()
      try await awaitSuspend(watch, requiringEvent: requiringEvent, after: "xc_domain_shutdown(SHUTDOWN_suspend)")
    }
  }

  /// Writes `suspend` to the guest's `control/shutdown` and waits on `watch` for Xen to report it suspended
  /// (libxl's pvcontrol path). If the guest does not suspend in time the request is withdrawn and the guest gets
  /// one quiet period to finish a suspend it already started, which `restore()` then undoes.
  func suspendCooperatively(watching watch: ReleaseDomainWatch, requiringEvent: Bool = false) async throws {
    suspendedBy = .cooperative
    requestPending = true
    try host.write(XenStorePath.controlShutdown(of: domain), value: "suspend")
    do {
      try await awaitSuspend(watch, requiringEvent: requiringEvent, after: "a control/shutdown request")
      requestPending = false
    } catch let failure as CheckFailure {
      withdrawRequest()
      _ = try await watch.awaitSuspended(guest, by: context.quietDeadline())
      throw failure
    }
  }

  private func awaitSuspend(_ watch: ReleaseDomainWatch, requiringEvent: Bool, after request: String) async throws {
    let deadline = context.stepDeadline()
    if requiringEvent {
      if try await watch.awaitEventShowingSuspended(guest, by: deadline) { return }
      if try host.domainInfo(domain).isSuspended {
        throw CheckFailure(
          "the guest suspended after \(request), but no @releaseDomain fired within \(context.settings.timeout)")
      }
    } else if try await watch.awaitSuspended(guest, by: deadline) {
      return
    }
    throw CheckFailure("the guest did not suspend within \(context.settings.timeout) of \(request)")
  }

  /// `xc_domain_shutdown(SHUTDOWN_suspend)`: Xen stops the guest at once, without the guest taking part.
  func forceSuspend() throws {
    suspendedBy = .forced
    try host.shutdownDomain(domain, reason: .suspend)
  }

  /// Brings the guest back as it was stopped, with XS_RESUME afterwards unless `rearmingXenStore` is false (for the
  /// check that shows what XS_RESUME does).
  func resume(rearmingXenStore: Bool = true) throws {
    guard let method = suspendedBy else { return }
    if method == .cooperative {
      var context0 = try host.vcpuContext(of: domain, vcpu: 0, width: try context.contextWidth(of: guest))
      context0.returnRegister = 1
      try host.setVCPUContext(context0, of: domain, vcpu: 0)
    }
    try host.resumeDomain(domain)
    suspendedBy = nil
    if rearmingXenStore { try host.resumeDomainInXenStore(domain) }
  }

  /// Subscribes a suspend port (`xc_domain_subscribe_for_suspend`); the session sets it back to 0 at the end.
  func subscribeForSuspend(port: EventChannelPort) throws {
    subscribed = true
    try host.subscribeForSuspend(domain, port: port)
  }

  /// Binds a local port to one of the guest's ports; the session unbinds it at the end.
  func bind(remotePort: EventChannelPort) throws -> EventChannelPort {
    let port = try host.bindInterdomainEventChannel(to: domain, remotePort: remotePort)
    boundPorts.append(port)
    return port
  }

  /// Unbinds a port the session bound, before the end.
  func unbind(_ port: EventChannelPort) throws {
    boundPorts.removeAll { $0 == port }
    try host.unbind(port)
  }

  // MARK: Undoing it

  /// Undoes what the check did, in the order a toolstack would: no subscription, the guest resumed, ports
  /// unbound, watches removed. Returns what could not be undone.
  func restore() -> [String] {
    var problems: [String] = []
    if subscribed {
      do {
        try host.subscribeForSuspend(domain, port: EventChannelPort(0))
        subscribed = false
      } catch {
        problems.append("could not unsubscribe the suspend port: \(error)")
      }
    }
    if requestPending { withdrawRequest() }
    if suspendedBy != nil {
      do {
        if try host.domainInfo(domain).isSuspended {
          try resume()
        } else {
          suspendedBy = nil
        }
      } catch {
        problems.append("could not resume the guest: \(error)")
      }
    }
    for port in boundPorts {
      do { try host.unbind(port) } catch { problems.append("could not unbind local port \(port): \(error)") }
    }
    boundPorts.removeAll()
    for watch in watches { watch.close() }
    watches.removeAll()
    return problems
  }

  /// Takes back an unanswered request: only a node still reading `suspend` is reset, so a guest's own answer
  /// (Linux writes "") is never overwritten with something else.
  private func withdrawRequest() {
    requestPending = false
    let node = XenStorePath.controlShutdown(of: domain)
    if (try? host.read(node)) == "suspend" { try? host.write(node, value: "") }
  }
}
