import SystemPackage
@_spi(XenHostBackends) import XenResumeCore

/// xenstore as the toolstack and the guests use it, and the watches it fires.
extension SimulatorState {
  /// Fires the watches a list of changes triggers, tells guests whose `control/shutdown` changed, and has
  /// xenconsoled look at a `console` directory that changed. A guest is not told about its own writes (it would read
  /// the node, find its own answer and ignore it).
  mutating func publish(_ changes: [XenStoreChange], writer: DomainID) {
    var consoles: [DomainID] = []
    for change in changes {
      for watch in watches.watches(firedBy: change) { deliver(change.path, to: watch) }
      if let guest = XenStorePaths.domainOfControlShutdown(change.path), guest != writer,
        domains[guest]?.guest?.type.isPVAware == true
      {
        trigger(.readControlNode, for: guest, after: reactionDelays(of: guest).acknowledgement)
      }
      if let guest = XenStorePaths.domainOfConsoleNode(change.path), !consoles.contains(guest) {
        consoles.append(guest)
      }
    }
    // After every change of the batch, as xenconsoled reads the nodes once its watch event arrives.
    for guest in consoles { xenconsoledReadsConsoleNode(of: guest) }
  }

  /// Fires every watch on a special path such as `@releaseDomain`.
  mutating func fireSpecialWatch(_ path: String) {
    for watch in watches.watches(on: path) { deliver(path, to: watch) }
  }

  /// Hands an event to the first task waiting on the watch, or queues it.
  mutating func deliver(_ path: String, to watch: XenStoreWatchID) {
    if let waiter = watchWaiters.takeFirst(under: watch) {
      record(.nextWatchEvent, domain: nil, { .watch(watch) }, .succeeded(.watchEvent(path)))
      effects.watchResumptions.append(waiter, .success(path))
      return
    }
    watches.enqueue(path, for: watch)
  }

  // MARK: Toolstack requests

  mutating func toolstackWrite(_ path: String, value: String, transaction: XenStoreTransaction) throws {
    try store.requireRunning(for: .dom0)
    publish(try store.write(path, value: value, caller: .dom0, transaction: transaction), writer: .dom0)
  }

  mutating func toolstackRemove(_ path: String, transaction: XenStoreTransaction) throws {
    try store.requireRunning(for: .dom0)
    publish(try store.remove(path, caller: .dom0, transaction: transaction), writer: .dom0)
  }

  mutating func toolstackSetPermissions(
    _ path: String, _ permissions: [XenStorePermission], transaction: XenStoreTransaction
  ) throws {
    try store.requireRunning(for: .dom0)
    publish(try store.setPermissions(path, permissions, caller: .dom0, transaction: transaction), writer: .dom0)
  }

  mutating func toolstackEndTransaction(_ transaction: XenStoreTransaction, commit: Bool) throws {
    try store.requireRunning(for: .dom0)
    publish(try store.endTransaction(transaction, commit: commit, caller: .dom0), writer: .dom0)
  }

  /// Registers a watch on a node path or a special path; EINVAL for anything else.
  mutating func addWatch(_ path: String) throws -> XenStoreWatchID {
    try store.requireRunning(for: .dom0)
    if path.hasPrefix("@") {
      guard XenStorePaths.specialPaths.contains(path) else { throw Errno.invalidArgument }
      return watches.add(path: path)
    }
    return watches.add(path: try XenStorePaths.canonical(path, caller: .dom0))
  }

  /// Removes a watch: ENOENT for an unknown one. Tasks still waiting on it fail with ENOENT. A watch of a lost
  /// connection is just forgotten, even while xenstored is down (xenstored already dropped it; LibxenHost sends no
  /// request for it either).
  mutating func removeWatch(_ watch: XenStoreWatchID) throws {
    if watches.forgetLost(watch) { return }
    try store.requireRunning(for: .dom0)
    guard watches.contains(watch) else { throw Errno.noSuchFileOrDirectory }
    watches.remove(watch)
    for _ in 0..<watchWaiters.count(under: watch) {
      record(.nextWatchEvent, domain: nil, { .watch(watch) }, .failed(.noSuchFileOrDirectory, injected: false))
    }
    let error = XenCallError(.nextWatchEvent, errno: .noSuchFileOrDirectory, hint: "the watch was removed")
    watchWaiters.takeAll(under: watch, resumingWith: .failure(error), into: &effects.watchResumptions)
  }

  // MARK: xenstored going away

  /// xenstored exits: the toolstack's connection, its watches and its transactions are gone. Tasks waiting on a
  /// watch fail at once with the connection-lost error; the watches' queued events are still handed out first.
  mutating func stopXenStored() {
    guard store.isRunning else { return }
    store.stop()
    let error = XenCallError.xenStoreConnectionLost(.nextWatchEvent)
    for watch in watches.all {
      for _ in 0..<watchWaiters.count(under: watch) {
        record(.nextWatchEvent, domain: nil, { .watch(watch) }, .failed(error.errno, injected: false))
      }
      watchWaiters.takeAll(under: watch, resumingWith: .failure(error), into: &effects.watchResumptions)
    }
    watches.disconnect()
  }

  /// xenstored is back with the same nodes; the next toolstack call connects to it again.
  mutating func startXenStored() {
    store.start()
  }

  // MARK: Guest requests

  /// Writes a node as a guest (its xenbus connection): permissions apply.
  mutating func guestWrite(_ path: String, value: String, as guest: DomainID) throws {
    publish(try store.write(path, value: value, caller: guest, transaction: .none), writer: guest)
  }

  mutating func guestRemove(_ path: String, as guest: DomainID) throws {
    publish(try store.remove(path, caller: guest, transaction: .none), writer: guest)
  }

  mutating func guestRead(_ path: String, as guest: DomainID) throws -> String? {
    try store.read(path, caller: guest, transaction: .none)
  }
}
