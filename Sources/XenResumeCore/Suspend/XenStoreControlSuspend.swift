extension SuspendController {
  /// How many times a conflicting xenstore transaction is retried before giving up.
  static let transactionRetries = 16

  /// The xenstore control node path (libxl's pvcontrol): write `suspend`, wait for the guest to acknowledge by
  /// changing or deleting the node, then wait for Xen to report the suspend (stages `requestWritten`,
  /// `acknowledged`, then `suspended`, marked by the caller).
  func suspendThroughControlNode(
    _ domain: DomainID, session: inout DomainSession, deadline: Deadline, timeout: Duration,
    marks: inout StageMarks
  ) async throws {
    let node = session.controlNode
    let watch = try keptControlWatch(of: &session)
    try requestSuspend(at: node, of: domain, recreatingNode: session.controlNodeMissing)
    marks.mark(.requestWritten, at: clock.elapsed())
    do {
      let acknowledged: Bool
      do {
        acknowledged = try await awaitAcknowledgement(at: node, watch: watch, deadline: deadline, session: &session)
      } catch let error as XenCallError {
        // The watch is of no further use (its connection may be gone): the next suspend registers a new one.
        releaseControlWatch(of: &session)
        // The request is still out and the guest may act on it later (after xenstored came back, for a lost
        // connection) with nobody waiting: try once to take it back (the host reconnects when it can), and say
        // which it is.
        let undone = await withdrawOrSettle(
          at: node, of: domain, session: session, connectionLost: error.errno == .connectionReset)
        throw SuspendResumeError.hostCall(error, state: currentState(of: domain), undone: undone)
      }
      if !acknowledged {
        let withdrawal: WithdrawOutcome
        do {
          withdrawal = try withdrawRequest(at: node)
        } catch let error as XenCallError {
          // The guest was not answering and the request stays out: it may still act on it, with nobody waiting.
          let settled = await settleInOwnTask(domain, path: .xenstoreControl, session: session, suspendPort: nil)
          throw SuspendResumeError.hostCall(
            error, state: currentState(of: domain),
            undone: "the suspend request could not be withdrawn, so \(node) may still ask the guest to suspend; "
              + settled)
        }
        switch withdrawal {
        case .withdrawn:
          // The guest may have read the request and be on its way into suspend with its acknowledgement refused,
          // or suspend without a visible one (seen on real Xen under load): the same grace as a late suspend,
          // so the timeout never leaves it suspended.
          try await settleAfterTimeout(
            domain, stage: .acknowledgement, timeout: timeout, path: .xenstoreControl, session: session,
            suspendPort: nil)
        case .acknowledgedMeanwhile:
          break  // The guest answered at the last moment: let the suspension stage take its last look.
        }
      }
      marks.mark(.acknowledged, at: clock.elapsed())
      try await waitUntilSuspended(
        domain, deadline: deadline, timeout: timeout, path: .xenstoreControl, session: session)
    } catch is CancellationError {
      var withdrawn = false
      do {
        withdrawn = try withdrawRequest(at: node) == .withdrawn
      } catch {
        logger.error(
          "could not withdraw a cancelled suspend request: control/shutdown may still ask the guest to suspend",
          metadata: ["domain": "\(domain)", "error": "\(error)"])
      }
      if withdrawn {
        undoSuspendAfterCancellation(domain, path: .xenstoreControl, session: session)
      } else {
        // Acknowledged (or still out): the guest may still be on its way into suspend.
        _ = await settleInOwnTask(domain, path: .xenstoreControl, session: session, suspendPort: nil)
      }
      throw CancellationError()
    }
  }

  /// After the acknowledgement wait failed (the connection to xenstored lost, a watch that could not be read):
  /// one attempt to withdraw the request (the host reconnects when it can). When it could not be withdrawn, or the
  /// guest acknowledged it meanwhile, the guest may still suspend with nobody waiting, so it gets the grace period
  /// and is resumed if it does. Says what was undone, for the error.
  private func withdrawOrSettle(
    at node: String, of domain: DomainID, session: DomainSession, connectionLost: Bool
  ) async -> String {
    let failure: String
    do {
      switch try withdrawRequest(at: node) {
      case .withdrawn:
        return connectionLost
          ? "the suspend request was withdrawn over a new connection" : "the suspend request was withdrawn"
      case .acknowledgedMeanwhile:
        failure = "the guest had acknowledged the request"
      }
    } catch {
      failure = "the suspend request could not be withdrawn (\(error)), so \(node) may still ask the guest to suspend"
    }
    return failure + "; " + (await settleInOwnTask(domain, path: .xenstoreControl, session: session, suspendPort: nil))
  }

  /// Writes the request. A node the guest deleted to acknowledge the last request is recreated inside a
  /// transaction with the guest as its owner: a plain write would inherit the parent's permissions, and the
  /// guest could no longer answer.
  private func requestSuspend(at node: String, of domain: DomainID, recreatingNode: Bool) throws {
    guard recreatingNode else {
      try host.write(node, value: GuestWrittenValue.suspendRequest)
      return
    }
    try inTransaction { transaction in
      try host.write(node, value: GuestWrittenValue.suspendRequest, transaction: transaction)
      try host.setPermissions(node, [XenStorePermission(domain: domain, access: .none)], transaction: transaction)
    }
  }

  /// `true` once the guest changed or removed the node; `false` when the deadline passed first.
  ///
  /// The first event after the request is never the guest's answer, so it is taken without a read: xenstored fires
  /// the watch for our own write while it processes it, before the guest can even see the request, and an event
  /// queued before the write (the watch's registration, or an answer already read in an earlier suspend) comes
  /// earlier still. Every later event is followed by a read, so an extra event only costs a read and an answer is
  /// never missed. Against a guest that takes time to answer, that is one read per suspend where a watch made per
  /// suspend costs a read, an `xs_watch`, a read of the registration event and an `xs_unwatch`, each a round trip
  /// to xenstored (the C client and libxl read after their own write's event too).
  private func awaitAcknowledgement(
    at node: String, watch: XenStoreWatchID, deadline: Deadline, session: inout DomainSession
  ) async throws -> Bool {
    let host = host
    var skipsNextEvent = true
    while true {
      // An event already queued needs no timed wait (a guest that answers at once, or our own write's event).
      if try host.takeWatchEvent(watch) == nil {
        do {
          _ = try await deadline.race { try await host.nextWatchEvent(watch) }
        } catch is DeadlineExceeded {
          return false
        }
      } else {
        // Queued events skip the timed wait, so the deadline and cancellation are checked here: a guest that
        // rewrites its node without pause would otherwise keep events queued, and this loop going, for ever.
        try Task.checkCancellation()
        if deadline.hasPassed { return false }
      }
      if skipsNextEvent {
        skipsNextEvent = false
        continue
      }
      if try acknowledgement(of: try host.read(node), session: &session) { return true }
    }
  }

  /// The session's watch on `control/shutdown`, registered on its first suspend through the node (or by
  /// `prepare`) and kept until the session is dropped: the events it queues between suspends only cost a read.
  ///
  /// A watch lives on one connection to xenstored. When the controller's shared `@releaseDomain` watch had to be
  /// registered again since this one was (its connection was lost: xenstored restarted), this one died with it
  /// and is replaced before the request goes out, so a restart between suspends goes unnoticed.
  func keptControlWatch(of session: inout DomainSession) throws -> XenStoreWatchID {
    let connection = try releaseDomainMonitor.registration()
    if let kept = session.controlWatch, kept.registration == connection { return kept.watch }
    releaseControlWatch(of: &session)
    let watch = try host.watch(session.controlNode)
    session.controlWatch = (watch, connection)
    return watch
  }

  /// Whether a read of the node is an acknowledgement: anything but `suspend` (Linux writes "", Windows PV
  /// drivers 8.x delete the node, some guests write other text). Remembers a deletion for the next request.
  private func acknowledgement(of value: String?, session: inout DomainSession) throws -> Bool {
    guard GuestWrittenValue.isAcknowledgement(value) else { return false }
    session.controlNodeMissing = value == nil
    return true
  }

  enum WithdrawOutcome {
    case withdrawn
    case acknowledgedMeanwhile
  }

  /// Withdraws an unanswered request inside a transaction, unless the guest acknowledged it meanwhile.
  func withdrawRequest(at node: String) throws -> WithdrawOutcome {
    var outcome = WithdrawOutcome.withdrawn
    try inTransaction { transaction in
      guard try host.read(node, transaction: transaction) == GuestWrittenValue.suspendRequest else {
        outcome = .acknowledgedMeanwhile
        return
      }
      outcome = .withdrawn
      try host.write(node, value: "", transaction: transaction)
    }
    return outcome
  }

  /// Runs `body` in a xenstore transaction and commits it, retrying the whole transaction when the commit
  /// conflicts with another writer (EAGAIN).
  func inTransaction(_ body: (XenStoreTransaction) throws -> Void) throws {
    var attempt = 0
    while true {
      attempt += 1
      let transaction = try host.startTransaction()
      do {
        try body(transaction)
      } catch {
        // The body's failure is the one reported; an abort that fails as well is logged, not dropped.
        do {
          try host.endTransaction(transaction, commit: false)
        } catch let abortError {
          logger.warning("could not abort the xenstore transaction", metadata: ["error": "\(abortError)"])
        }
        throw error
      }
      do {
        try host.endTransaction(transaction, commit: true)
        return
      } catch let error as XenCallError
        where error.errno == .resourceTemporarilyUnavailable && attempt < Self.transactionRetries
      {
        continue
      }
    }
  }
}
