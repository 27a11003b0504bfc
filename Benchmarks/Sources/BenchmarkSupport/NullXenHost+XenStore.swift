@_spi(XenHostBackends) import XenResumeCore

/// xenstore: the calls, over the state's nodes, transactions and watches (`NullXenStore.swift`, `NullWatch.swift`).
extension NullXenHost {
  /// The node's value, or `nil` when it does not exist; inside a transaction, as the transaction sees it.
  public func read(_ path: String, transaction: XenStoreTransaction) throws -> String? {
    try observed(.read, nil) {
      try state.withLock { state in try state.read(path, transaction: transaction) }
    }
  }

  /// Stores the value (creating missing parents); `suspend` on `control/shutdown` makes a PV-aware guest acknowledge
  /// ("") and suspend at once. Inside a transaction nothing happens until it commits.
  public func write(_ path: String, value: String, transaction: XenStoreTransaction) throws {
    let woken = try observed(.write, nil) {
      try state.withLock { state in try state.change(path, to: value, transaction: transaction, .write) }
    }
    woken.resume()
  }

  /// Deletes the node and everything below it; a missing node counts as removed (xenstored's `do_rm` says ENOENT
  /// when the parent is missing too, which `LibxenHost` turns into success like every ENOENT of `xs_rm`).
  public func remove(_ path: String, transaction: XenStoreTransaction) throws {
    let woken = try observed(.remove, nil) {
      try state.withLock { state in try state.change(path, to: nil, transaction: transaction, .remove) }
    }
    woken.resume()
  }

  /// Accepted and ignored: the null guests always answer, whoever owns their nodes.
  public func setPermissions(
    _ path: String, _ permissions: [XenStorePermission], transaction: XenStoreTransaction
  ) throws {
    try observed(.setPermissions, nil) {
      guard transaction != .none else { return }
      try state.withLock { state in _ = try state.openTransaction(transaction, .setPermissions) }
    }
  }

  /// A new transaction.
  public func startTransaction() throws -> XenStoreTransaction {
    try observed(.startTransaction, nil) {
      state.withLock { state in state.startTransaction() }
    }
  }

  /// Ends a transaction. A commit fails with EAGAIN when a node it read or changed was changed by someone else
  /// since, and otherwise applies its changes, a committed suspend request reaching its guest now. The transaction
  /// is over either way.
  public func endTransaction(_ transaction: XenStoreTransaction, commit: Bool) throws {
    let woken = try observed(.endTransaction, nil) {
      try state.withLock { state in try state.endTransaction(transaction, commit: commit) }
    }
    woken.resume()
  }

  /// Registers a watch, which fires once at once with its own path, as in xenstored.
  public func watch(_ path: String) throws -> XenStoreWatchID {
    try observed(.watch, nil) {
      state.withLock { state in
        state.nextWatch &+= 1
        let id = XenStoreWatchID(rawValue: state.nextWatch)
        state.watches.append(NullWatch(id: id, path: path))
        return id
      }
    }
  }

  /// Returns a queued event at once, otherwise suspends until one fires or the task is cancelled. ENOENT for a
  /// watch this host does not have.
  public func nextWatchEvent(_ watch: XenStoreWatchID) async throws -> String {
    try await observed(.nextWatchEvent, nil) {
      if let ready = try state.withLock({ state in try state.takeWatchEvent(watch, waiter: nil) }) { return ready }
      return try await withTaskCancellationHandler {
        // Unsafe rather than checked: a checked continuation allocates a canary on every wait.
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<String, any Error>) in
          let immediate: Result<String, any Error>?
          do {
            immediate = try state.withLock { state in
              try state.takeWatchEvent(watch, waiter: continuation).map { .success($0) }
            }
          } catch {
            immediate = .failure(error)
          }
          if let immediate { continuation.resume(with: immediate) }
        }
      } onCancel: {
        state.withLock { state in state.takeWatchWaiter(watch) }?.resume(throwing: CancellationError())
      }
    }
  }

  /// The oldest queued event without waiting, `nil` when none is; ENOENT for a watch this host does not have.
  public func takeWatchEvent(_ watch: XenStoreWatchID) throws -> String? {
    try observed(.takeWatchEvent, nil) {
      try state.withLock { state in try state.takeWatchEvent(watch, waiter: nil) }
    }
  }

  /// Removes a watch; a waiter on it gets `CancellationError`. ENOENT for a watch this host does not have.
  public func unwatch(_ watch: XenStoreWatchID) throws {
    let waiter = try observed(.unwatch, nil) {
      try state.withLock { state in
        guard let index = state.watches.firstIndex(where: { $0.id == watch }) else {
          throw NullHostState.unknownWatch(.unwatch, watch)
        }
        return state.watches.remove(at: index).waiter
      }
    }
    waiter?.resume(throwing: CancellationError())
  }

  /// XS_RESUME: clears xenstored's shutdown latch, so the domain's next shutdown fires `@releaseDomain`. Like
  /// `do_resume` it does not care whether the domain runs yet; EINVAL for dom0, ENOENT for a domain it does not
  /// know.
  public func resumeDomainInXenStore(_ domain: DomainID) throws {
    try observed(.resumeDomainInXenStore, domain) {
      guard domain != .dom0 else {
        throw XenCallError(.resumeDomainInXenStore, domain: domain, errno: .invalidArgument)
      }
      try state.withLock { state in
        guard let index = state.index(of: domain) else {
          throw XenCallError(.resumeDomainInXenStore, domain: domain, errno: .noSuchFileOrDirectory)
        }
        state.domains[index].releaseDomainArmed = true
      }
    }
  }

  /// xenstored binds the guest's new store port, which must be one allocated for dom0.
  public func introduceDomain(_ domain: DomainID, storeFrame: UInt64, storePort: EventChannelPort) throws {
    try observed(.introduceDomain, domain) {
      try state.withLock { state in
        let index = try state.existing(domain, .introduceDomain)
        guard storeFrame == NullDomain.storeRingFrame, storePort.rawValue >= 1,
          storePort.rawValue <= state.domains[index].allocatedPorts
        else {
          throw NullXenHost.mistake(.introduceDomain, domain, "not the guest's ring and an allocated port")
        }
        state.domains[index].xenstoredPort = storePort
      }
    }
  }
}
