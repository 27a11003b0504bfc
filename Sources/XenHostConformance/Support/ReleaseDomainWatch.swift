@_spi(XenHostBackends) import XenResumeCore

/// A watch on `@releaseDomain`, registered for one check and removed by it.
///
/// xenstored fires `@releaseDomain` for every domain that newly shuts down, so a watcher re-reads its own domain's
/// state on each event (as libxl does) instead of trusting the event to be about it.
struct ReleaseDomainWatch: Sendable {
  let id: XenStoreWatchID
  private let context: CheckContext

  /// Registers the watch and takes the event every new watch fires at registration (`do_watch`), so that later
  /// events are real ones. Fails the check when that first event does not come.
  static func open(_ context: CheckContext) async throws -> ReleaseDomainWatch {
    let id = try context.host.watch(XenStorePath.releaseDomain)
    let watch = ReleaseDomainWatch(id: id, context: context)
    guard try await watch.nextEvent(by: context.stepDeadline()) != nil else {
      watch.close()
      throw CheckFailure("a new @releaseDomain watch did not fire at registration")
    }
    return watch
  }

  private init(id: XenStoreWatchID, context: CheckContext) {
    self.id = id
    self.context = context
  }

  /// The next event's path, or `nil` when the deadline passes first.
  func nextEvent(by deadline: Deadline) async throws -> String? {
    let host = context.host
    let id = id
    return try await deadline.valueBeforeExpiry { try await host.nextWatchEvent(id) }
  }

  /// Waits for events until Xen reports the guest shut down with reason suspend: `true` then, `false` when the
  /// deadline passes first. Another shutdown reason fails the check (the guest is not ours to bring back then).
  func awaitSuspended(_ guest: ConformanceGuest, by deadline: Deadline) async throws -> Bool {
    while true {
      if try Self.isSuspended(try context.host.domainInfo(guest.domain)) { return true }
      guard try await nextEvent(by: deadline) != nil else {
        return try Self.isSuspended(try context.host.domainInfo(guest.domain))
      }
    }
  }

  /// Waits for events until one arrives after which Xen reports the guest suspended: the rule that a suspend fires
  /// `@releaseDomain`. `false` when the deadline passes first, even if the guest is suspended by then.
  func awaitEventShowingSuspended(_ guest: ConformanceGuest, by deadline: Deadline) async throws -> Bool {
    while try await nextEvent(by: deadline) != nil {
      if try Self.isSuspended(try context.host.domainInfo(guest.domain)) { return true }
    }
    return false
  }

  /// Listens for one quiet period: the path of an event that came, or `nil` if none did.
  func eventDuringQuietPeriod() async throws -> String? {
    try await nextEvent(by: context.quietDeadline())
  }

  /// Removes the watch; a failure here does not change the check's verdict.
  func close() {
    try? context.host.unwatch(id)
  }

  private static func isSuspended(_ info: DomainInfo) throws -> Bool {
    guard info.isShutdown else { return false }
    guard info.isSuspended else {
      throw CheckFailure("domain \(info.domain) shut down for another reason: \(DomainState(info))")
    }
    return true
  }
}
