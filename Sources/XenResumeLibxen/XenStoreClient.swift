internal import CXen
import Synchronization
import SystemPackage
import XenResumeCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// libxenstore behind one lock, with watch events routed to per-watch mailboxes by a reader thread.
///
/// libxenstore (built with pthreads, as distributions ship it) queues watch events internally and signals them on
/// the descriptor `xs_fileno` returns; `xs_check_watch` takes one without blocking. The reader thread sleeps in
/// `poll` on that descriptor and drains the queue, so no task ever blocks in `xs_read_watch`.
final class XenStoreClient: Sendable {
  private let handle: Mutex<XenStoreHandle>
  private let events = EventMailboxes<UInt64, String>(coalescing: false)
  private let registry = Mutex(WatchRegistry())
  private let reader = Mutex<PollingThread?>(nil)

  /// Every registered watch's path, needed again by `xs_unwatch`.
  private struct WatchRegistry {
    var lastID: UInt64 = 0
    var paths: [UInt64: String] = [:]
  }

  /// Tokens carry this prefix so that events of watches registered by others on a shared handle are never mistaken
  /// for ours.
  private static let tokenPrefix = "swiftxenresume/"

  /// Connects to xenstored.
  init() throws(XenCallError) {
    handle = Mutex(try XenStoreHandle())
  }

  /// Stops the reader thread, which holds a reference to this client until then.
  func shutdown() {
    let thread = reader.withLock { $0.take() }
    _ = consume thread
  }

  // MARK: Single requests

  /// Runs one libxenstore call under the handle's lock.
  private func withHandle<Result: Sendable>(_ body: (OpaquePointer) throws -> Result) throws -> Result {
    try handle.withLock { handle in try body(handle.raw) }
  }

  /// `xs_read`; `nil` for a missing node.
  func read(_ path: String, transaction: XenStoreTransaction, operation: XenHostOperation = .read) throws -> String? {
    try withHandle { xsh in
      var length: UInt32 = 0
      let value: UnsafeMutableRawPointer
      do throws(XenCallError) {
        value = try LibxenCall.pointer(operation, hint: "reading \(path)") {
          xs_read(xsh, transaction.rawValue, path, &length)
        }
      } catch {
        if error.errno == .noSuchFileOrDirectory { return nil }
        throw error
      }
      defer { free(value) }
      return String(decoding: UnsafeRawBufferPointer(start: value, count: Int(length)), as: UTF8.self)
    }
  }

  /// `xs_write`.
  func write(_ path: String, value: String, transaction: XenStoreTransaction) throws {
    try withHandle { xsh in
      let bytes = Array(value.utf8)
      try LibxenCall.success(.write, hint: "writing \(path)") {
        bytes.withUnsafeBytes { xs_write(xsh, transaction.rawValue, path, $0.baseAddress, UInt32($0.count)) }
      }
    }
  }

  /// `xs_rm`; a missing node counts as removed.
  func remove(_ path: String, transaction: XenStoreTransaction) throws {
    try withHandle { xsh in
      do throws(XenCallError) {
        try LibxenCall.success(.remove, hint: "removing \(path)") { xs_rm(xsh, transaction.rawValue, path) }
      } catch {
        if error.errno != .noSuchFileOrDirectory { throw error }
      }
    }
  }

  /// `xs_set_permissions`.
  func setPermissions(_ path: String, _ permissions: [XenStorePermission], transaction: XenStoreTransaction) throws {
    try withHandle { xsh in
      var entries = permissions.map {
        xs_permissions(id: $0.domain.rawValue, perms: LibxenTypes.permissionBits($0.access))
      }
      try LibxenCall.success(.setPermissions, hint: "setting permissions of \(path)") {
        entries.withUnsafeMutableBufferPointer {
          xs_set_permissions(xsh, transaction.rawValue, path, $0.baseAddress, UInt32($0.count))
        }
      }
    }
  }

  /// `xs_transaction_start`, which signals failure with `XBT_NULL`.
  func startTransaction() throws -> XenStoreTransaction {
    try withHandle { xsh in
      let id = try LibxenCall.pointer(.startTransaction) { () -> UInt32? in
        let id = xs_transaction_start(xsh)
        return id == LibxenTypes.noTransaction ? nil : id
      }
      return XenStoreTransaction(rawValue: id)
    }
  }

  /// `xs_transaction_end`; a conflicting commit fails with EAGAIN, which the caller answers by retrying.
  func endTransaction(_ transaction: XenStoreTransaction, commit: Bool) throws {
    try withHandle { xsh in
      try LibxenCall.success(.endTransaction) { xs_transaction_end(xsh, transaction.rawValue, !commit) }
    }
  }

  /// `xs_resume_domain` (XS_RESUME).
  func resumeDomain(_ domain: DomainID) throws {
    try withHandle { xsh in
      try LibxenCall.success(.resumeDomainInXenStore, domain: domain) { xs_resume_domain(xsh, domain.rawValue) }
    }
  }

  // MARK: Watches

  /// `xs_watch` with a token unique within this client. The mailbox opens before the request is sent, so the event
  /// xenstored fires at registration is kept.
  func watch(_ path: String) throws -> XenStoreWatchID {
    try startReaderIfNeeded()
    let id = registry.withLock { registry in
      registry.lastID += 1
      registry.paths[registry.lastID] = path
      return registry.lastID
    }
    events.open(id)
    do {
      try withHandle { xsh in
        try LibxenCall.success(.watch, hint: "watching \(path)") { xs_watch(xsh, path, Self.token(for: id)) }
      }
    } catch {
      _ = registry.withLock { $0.paths.removeValue(forKey: id) }
      events.close(id, failingWaitersWith: Self.unknownWatch(.nextWatchEvent))
      throw error
    }
    return XenStoreWatchID(rawValue: id)
  }

  /// The next event of a watch, from its mailbox.
  func nextEvent(_ watch: XenStoreWatchID) async throws -> String {
    try await events.next(from: watch.rawValue, missing: Self.unknownWatch(.nextWatchEvent))
  }

  /// `xs_unwatch`, then the mailbox is dropped. xenstored answering ENOENT means the watch is already gone there
  /// (e.g. after it restarted), which is what the caller wanted.
  func unwatch(_ watch: XenStoreWatchID) throws {
    let id = watch.rawValue
    guard let path = registry.withLock({ $0.paths[id] }) else { throw Self.unknownWatch(.unwatch) }
    try withHandle { xsh in
      do throws(XenCallError) {
        try LibxenCall.success(.unwatch, hint: "unwatching \(path)") { xs_unwatch(xsh, path, Self.token(for: id)) }
      } catch {
        if error.errno != .noSuchFileOrDirectory { throw error }
      }
    }
    _ = registry.withLock { $0.paths.removeValue(forKey: id) }
    events.close(
      id,
      failingWaitersWith: XenCallError(.nextWatchEvent, errno: .noSuchFileOrDirectory, hint: "the watch was removed"))
  }

  private static func token(for id: UInt64) -> String { tokenPrefix + String(id) }

  private static func watchID(fromToken token: String) -> UInt64? {
    guard token.hasPrefix(tokenPrefix) else { return nil }
    return UInt64(token.dropFirst(tokenPrefix.count))
  }

  /// ENOENT, which is what xenstored answers when asked to remove a watch it does not have.
  private static func unknownWatch(_ operation: XenHostOperation) -> XenCallError {
    XenCallError(operation, errno: .noSuchFileOrDirectory, hint: "not a watch of this host (or already removed)")
  }

  private func startReaderIfNeeded() throws {
    try reader.withLock { (reader: inout PollingThread?) in
      if reader != nil { return }
      let descriptor = try withHandle { xsh in
        try LibxenCall.value(.watch, hint: "xs_fileno could not create the watch pipe") { xs_fileno(xsh) }
      }
      // libxenstore owns the watch pipe and closes it with the handle.
      reader = try PollingThread(
        polling: FileDescriptor(rawValue: descriptor),
        call: .watch,
        onReadable: { self.drainWatchEvents() },
        onFailure: { errno in
          self.events.fail(with: XenCallError(.nextWatchEvent, errno: errno, hint: "the watch reader's poll failed"))
        })
    }
  }

  /// Delivers every event libxenstore has queued; `false` when the connection to xenstored is gone, after failing
  /// every wait with the reason.
  private func drainWatchEvents() -> Bool {
    while true {
      let next: Result<(path: String, token: String)?, XenCallError> = handle.withLock { handle in
        errno = 0
        guard let vector = xs_check_watch(handle.raw) else {
          if errno == EAGAIN { return .success(nil) }
          return .failure(
            XenCallError(
              .nextWatchEvent, errno: LibxenCall.currentErrno(), hint: "lost the connection to xenstored"))
        }
        defer { free(vector) }
        let path = vector[Int(XS_WATCH_PATH.rawValue)].map { String(cString: $0) } ?? ""
        let token = vector[Int(XS_WATCH_TOKEN.rawValue)].map { String(cString: $0) } ?? ""
        return .success((path, token))
      }
      switch next {
      case .success(nil):
        return true
      case .success(let event?):
        if let id = Self.watchID(fromToken: event.token) { events.deliver(event.path, to: id) }
      case .failure(let error):
        events.fail(with: error)
        return false
      }
    }
  }
}
