@_spi(XenHostBackends) import XenResumeCore

/// xenstored going away and coming back, as a long-lived toolstack meets it: xenstored crashed, was killed, or was
/// restarted by its service manager.
///
/// The simulator behaves as `LibxenHost` does against a real xenstored:
///
/// - While xenstored is down, every xenstore call of the toolstack fails with ECONNREFUSED (its socket accepts no
///   connection). A task waiting in `nextWatchEvent` fails at once with `XenCallError.xenStoreConnectionLost`
///   (ECONNRESET), after the events already queued for its watch, and so does every later wait on a watch
///   registered before the stop. Unwatching such a watch succeeds: xenstored already dropped it.
/// - The toolstack's open transactions end with the connection: using one later fails (ECONNREFUSED while down,
///   ENOENT once xenstored is back). `startTransaction()` itself cannot fail in the simulator, so while xenstored is
///   down it hands out an id that was never opened.
/// - Once xenstored is back, the next call connects again: reads, writes and new watches work (a new watch fires once
///   at registration, as always), while the old watches keep failing with the connection-lost error. Nothing is
///   re-registered for the caller.
///
/// The nodes survive the restart. That is a choice: C xenstored (4.17 and later) keeps its database in memory
/// (`TDB_INTERNAL`) and a plain restart starts from an empty tree, without the guests' connections, which Xen does
/// not support on a running host; the only restart Xen supports, a live update (`xenstore-control live-update`),
/// keeps the nodes, the guests and even the socket connections. The simulator models what a toolstack can recover
/// from: the database and the guests stay as they were (as after a live update, or with a xenstored that keeps a
/// persistent database), and only the toolstack's connection, with its watches and transactions, is lost. Guests'
/// own xenstore requests go on being served meanwhile (the simulator does not hold their ring requests back, where a
/// real xenstored would answer them once it is back), and the toolstack-side writes of `createDomain` and
/// `destroyDomain` still apply.
extension SimulatedXenHost {
  /// Whether xenstored is running (it is from the start).
  public var isXenStoredRunning: Bool {
    state.withLock { $0.store.isRunning }
  }

  /// Stops xenstored: the toolstack's connection breaks, as described above. Does nothing while it is stopped.
  public func stopXenStored() {
    let effects = state.withLock { state in
      state.stopXenStored()
      state.runGuestWork()
      return state.takeEffects()
    }
    apply(effects)
  }

  /// Starts xenstored again with the nodes it had; the next toolstack call connects to it. Does nothing while it
  /// runs.
  public func startXenStored() {
    let effects = state.withLock { state in
      state.startXenStored()
      state.runGuestWork()
      return state.takeEffects()
    }
    apply(effects)
  }

  /// Stops xenstored and starts it again at once: pending watch waits fail, old watches stay failed, and the next
  /// call works.
  public func restartXenStored() {
    // One critical section: the waiters that stopping fails wake (in `apply`) only once xenstored runs again, as
    // after a real restart's reconnect. Two sections let a woken controller call into the stopped xenstored first
    // when the machine was busy (seen in CI: its withdrawal failed with ECONNREFUSED).
    let effects = state.withLock { state in
      state.stopXenStored()
      state.runGuestWork()
      state.startXenStored()
      state.runGuestWork()
      return state.takeEffects()
    }
    apply(effects)
  }
}
