import XenResumeCore

extension ConformanceCheck {
  /// A new watch fires once straight away, with its own path, and then stays quiet until something changes.
  static let watchFiresAtRegistration = ConformanceCheck(
    name: "watches.new-watch-fires-once",
    subject: .watches,
    rule: "a new watch fires exactly once at registration, with the watched path",
    source: "tools/xenstore/xenstored_watch.c do_watch (\"We fire once up front\": send_event after the ack)",
    body: .host { context in
      let host = context.host
      let scratch = try ScratchNode.create(context, "watch")
      defer { scratch.remove() }
      let id = try host.watch(scratch.path)
      defer { try? host.unwatch(id) }
      let first = try await context.stepDeadline().valueBeforeExpiry { try await host.nextWatchEvent(id) }
      guard let first else { throw CheckFailure("no event within \(context.settings.timeout) of registering") }
      try context.expect(first == scratch.path, "the registration event named \(first), not \(scratch.path)")
      let second = try await context.quietDeadline().valueBeforeExpiry { try await host.nextWatchEvent(id) }
      try context.expect(second == nil, "a second event (\(second ?? "")) came although nothing changed")
      return "one event, \(first), then quiet for \(context.settings.quietPeriod)"
    })
}
