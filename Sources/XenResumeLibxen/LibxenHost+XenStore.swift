@_spi(XenHostBackends) import XenResumeCore

extension LibxenHost {
  /// `xs_read`; `nil` when the node does not exist.
  public func read(_ path: String, transaction: XenStoreTransaction) throws -> String? {
    try callObservers.observe(.read, domain: nil) {
      try xenstore.read(path, transaction: transaction)
    }
  }

  /// `xs_write`.
  public func write(_ path: String, value: String, transaction: XenStoreTransaction) throws {
    try callObservers.observe(.write, domain: nil) {
      try xenstore.write(path, value: value, transaction: transaction)
    }
  }

  /// `xs_rm`; a missing node counts as removed.
  public func remove(_ path: String, transaction: XenStoreTransaction) throws {
    try callObservers.observe(.remove, domain: nil) {
      try xenstore.remove(path, transaction: transaction)
    }
  }

  /// `xs_set_permissions`, with each access mapped to its `XS_PERM_*` bits.
  public func setPermissions(
    _ path: String, _ permissions: [XenStorePermission], transaction: XenStoreTransaction
  ) throws {
    try callObservers.observe(.setPermissions, domain: nil) {
      try xenstore.setPermissions(path, permissions, transaction: transaction)
    }
  }

  /// `xs_transaction_start`.
  public func startTransaction() throws -> XenStoreTransaction {
    try callObservers.observe(.startTransaction, domain: nil) {
      try xenstore.startTransaction()
    }
  }

  /// `xs_transaction_end`; a conflicting commit throws errno EAGAIN.
  public func endTransaction(_ transaction: XenStoreTransaction, commit: Bool) throws {
    try callObservers.observe(.endTransaction, domain: nil) {
      try xenstore.endTransaction(transaction, commit: commit)
    }
  }

  /// `xs_watch` with a token unique to this host; the first call starts the watch reader thread.
  public func watch(_ path: String) throws -> XenStoreWatchID {
    try callObservers.observe(.watch, domain: nil) {
      try xenstore.watch(path)
    }
  }

  /// The next queued event of a watch, waiting for the reader thread to deliver one if none is queued.
  /// A watch this host does not have (or that is removed while waiting) throws errno ENOENT.
  ///
  /// When the connection to xenstored is lost (xenstored exited or restarted), waiting and later waits on every watch
  /// registered on it throw errno ECONNRESET as soon as the socket hangs up, instead of running into the caller's
  /// deadline; events that arrived before are delivered first. The watches are gone with the connection and are not
  /// re-registered for you: the next call of any kind connects again (a new `xs_handle`), so register them anew
  /// (and re-read what they watch, since events may have been lost). While xenstored is still down, that next call
  /// fails with the reason connecting gave (ECONNREFUSED, or ENOENT when its socket is gone).
  public func nextWatchEvent(_ watch: XenStoreWatchID) async throws -> String {
    try await callObservers.observe(.nextWatchEvent, domain: nil) {
      try await xenstore.nextEvent(watch)
    }
  }

  /// The oldest event the watch reader has already delivered, without waiting; ENOENT for an unknown watch.
  public func takeWatchEvent(_ watch: XenStoreWatchID) throws -> String? {
    try callObservers.observe(.takeWatchEvent, domain: nil) {
      try xenstore.takeEvent(watch)
    }
  }

  /// `xs_unwatch`; queued events are dropped and pending waits fail. An unknown watch throws errno ENOENT; a watch of a
  /// lost connection is just forgotten (xenstored has already dropped it).
  public func unwatch(_ watch: XenStoreWatchID) throws {
    try callObservers.observe(.unwatch, domain: nil) {
      try xenstore.unwatch(watch)
    }
  }

  /// `xs_resume_domain` (XS_RESUME).
  public func resumeDomainInXenStore(_ domain: DomainID) throws {
    try callObservers.observe(.resumeDomainInXenStore, domain: domain) {
      try xenstore.resumeDomain(domain)
    }
  }

  /// `xs_introduce_domain` (XS_INTRODUCE).
  public func introduceDomain(_ domain: DomainID, storeFrame: UInt64, storePort: EventChannelPort) throws {
    try callObservers.observe(.introduceDomain, domain: domain) {
      try xenstore.introduceDomain(domain, storeFrame: storeFrame, storePort: storePort)
    }
  }
}
