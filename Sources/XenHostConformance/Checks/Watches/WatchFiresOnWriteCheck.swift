import XenResumeCore

extension ConformanceCheck {
  /// A watch fires for changes at or below its path, and the event names the node that changed.
  static let watchFiresOnWrite = ConformanceCheck(
    name: "watches.watch-fires-on-change-below",
    subject: .watches,
    rule: "a watch fires when a node below it is written or removed, with the changed node's path",
    source: "tools/xenstore/xenstored_watch.c fire_watches (is_child of the watched node; the event carries the "
      + "changed name), called from xenstored_core.c write_node and rm_node",
    body: .host { context in
      let host = context.host
      let scratch = try ScratchNode.create(context, "fire")
      defer { scratch.remove() }
      let id = try host.watch(scratch.path)
      defer { try? host.unwatch(id) }
      guard try await context.stepDeadline().valueBeforeExpiry({ try await host.nextWatchEvent(id) }) != nil else {
        throw CheckFailure("no event at registration")
      }
      let child = scratch.child("child")
      for (action, change) in [("write", { try host.write(child, value: "1") }), ("rm", { try host.remove(child) })] {
        try change()
        let event = try await context.stepDeadline().valueBeforeExpiry { try await host.nextWatchEvent(id) }
        guard let event else { throw CheckFailure("no event within \(context.settings.timeout) of the \(action)") }
        try context.expect(event == child, "the \(action) of \(child) fired an event naming \(event)")
      }
      return "write and rm of \(child) each fired an event naming it"
    })
}
