internal import CXen
import Synchronization
import SystemPackage
import XenResumeCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// libxenstore behind one lock, with watch events routed to per-watch mailboxes by a reader thread, and a connection
/// to xenstored that is replaced when it breaks.
///
/// libxenstore (built with pthreads, as distributions ship it) queues watch events internally and signals them on
/// the descriptor `xs_fileno` returns; `xs_check_watch` takes one without blocking. The reader thread sleeps in
/// `poll` on that descriptor and drains the queue, so no task ever blocks in `xs_read_watch`.
///
/// A lost connection (xenstored exited or restarted) is noticed as it happens, not at the next deadline: see
/// `XenStoreConnection`. From then on every wait on a watch registered on it fails with ECONNRESET, and the next
/// request of any kind opens a new connection (a new `xs_handle`), so a long-lived toolstack carries on against a
/// restarted xenstored without being rebuilt. Reconnecting lazily rather than at once keeps a xenstored that is
/// still down from being hammered, and means a call made while it is down fails with the reason `xs_open` gives.
/// Watches are not re-registered behind the caller's back: their owners must re-read the state they watch anyway
/// (events may have been lost with the connection), so they get the clear error and register anew, and the new
/// registration fires once straight away as usual.
final class XenStoreClient: Sendable {
  private let state: Mutex<State>

  private struct State {
    /// The connection requests use; replaced by the first request after it was lost.
    var connection: XenStoreConnection
    var lastWatchID: UInt64 = 0
    /// Every registered watch, with the connection it lives on: `xs_unwatch` needs its path again, and waits on a
    /// watch of a lost connection must fail with that connection's error, not as an unknown watch.
    var watches: [UInt64: RegisteredWatch] = [:]
    var isShutDown = false
  }

  private struct RegisteredWatch {
    let path: String
    let connection: XenStoreConnection
  }

  /// Tokens carry this prefix so that events of watches registered by others on a shared handle are never mistaken
  /// for ours.
  fileprivate static let tokenPrefix = "swiftxenresume/"

  /// Connects to xenstored (its socket, or `XENSTORED_PATH` when set, as libxenstore decides).
  init() throws(XenCallError) {
    state = Mutex(State(connection: try XenStoreConnection()))
  }

  /// Stops the reader thread, which holds a reference to the connection until then, and closes the connection.
  func shutdown() {
    let connection = state.withLock { state in
      state.isShutDown = true
      return state.connection
    }
    connection.close()
  }

  // MARK: Connection

  /// The connection to use now: the current one, or a new one when it was lost. The lost one is closed here, after
  /// the lock, because closing joins its reader thread.
  private func liveConnection(for operation: XenHostOperation) throws(XenCallError) -> XenStoreConnection {
    let (connection, replaced) = try state.withLock {
      (state) throws(XenCallError) -> (XenStoreConnection, XenStoreConnection?) in
      // A hang-up seen before sending anything costs one `poll` and saves a request that would only fail: a
      // xenstored that restarted while nothing was waiting is then replaced without any call failing.
      state.connection.checkForHangUp()
      guard state.connection.lostError(operation) != nil, !state.isShutDown else { return (state.connection, nil) }
      let fresh: XenStoreConnection
      do throws(XenCallError) {
        fresh = try XenStoreConnection(requiringSocket: state.connection.hasSocket)
      } catch {
        throw XenCallError(
          operation, errno: error.errno,
          hint: "the connection to xenstored was lost and it does not accept a new one (\(error)); is xenstored "
            + "running?")
      }
      let old = state.connection
      state.connection = fresh
      return (fresh, old)
    }
    replaced?.close()
    return connection
  }

  /// Runs one libxenstore call on the live connection, under its handle's lock. A failure that shows the
  /// connection broke marks it lost (failing every wait on its watches) and is thrown as the connection-lost error.
  private func withHandle<Result: Sendable>(
    _ operation: XenHostOperation, _ body: (OpaquePointer) throws(XenCallError) -> Result
  ) throws(XenCallError) -> Result {
    let connection = try liveConnection(for: operation)
    return try connection.withHandle(operation, body)
  }

  /// `xs_read`; `nil` for a missing node.
  func read(_ path: String, transaction: XenStoreTransaction, operation: XenHostOperation = .read) throws -> String? {
    try withHandle(operation) { (xsh) throws(XenCallError) -> String? in
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
    try withHandle(.write) { (xsh) throws(XenCallError) in
      let bytes = Array(value.utf8)
      try LibxenCall.success(.write, hint: "writing \(path)") {
        bytes.withUnsafeBytes { xs_write(xsh, transaction.rawValue, path, $0.baseAddress, UInt32($0.count)) }
      }
    }
  }

  /// `xs_rm`; a missing node counts as removed.
  func remove(_ path: String, transaction: XenStoreTransaction) throws {
    try withHandle(.remove) { (xsh) throws(XenCallError) in
      do throws(XenCallError) {
        try LibxenCall.success(.remove, hint: "removing \(path)") { xs_rm(xsh, transaction.rawValue, path) }
      } catch {
        if error.errno != .noSuchFileOrDirectory { throw error }
      }
    }
  }

  /// `xs_set_permissions`.
  func setPermissions(_ path: String, _ permissions: [XenStorePermission], transaction: XenStoreTransaction) throws {
    try withHandle(.setPermissions) { (xsh) throws(XenCallError) in
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
  ///
  /// A transaction lives on the connection it was started on; one started before the connection was lost ends
  /// with whatever the new xenstored answers for an id it does not know (ENOENT).
  func startTransaction() throws -> XenStoreTransaction {
    try withHandle(.startTransaction) { (xsh) throws(XenCallError) in
      let id = try LibxenCall.pointer(.startTransaction) { () -> UInt32? in
        let id = xs_transaction_start(xsh)
        return id == LibxenTypes.noTransaction ? nil : id
      }
      return XenStoreTransaction(rawValue: id)
    }
  }

  /// `xs_transaction_end`; a conflicting commit fails with EAGAIN, which the caller answers by retrying.
  func endTransaction(_ transaction: XenStoreTransaction, commit: Bool) throws {
    try withHandle(.endTransaction) { (xsh) throws(XenCallError) in
      try LibxenCall.success(.endTransaction) { xs_transaction_end(xsh, transaction.rawValue, !commit) }
    }
  }

  /// `xs_resume_domain` (XS_RESUME).
  func resumeDomain(_ domain: DomainID) throws {
    try withHandle(.resumeDomainInXenStore) { (xsh) throws(XenCallError) in
      try LibxenCall.success(.resumeDomainInXenStore, domain: domain) { xs_resume_domain(xsh, domain.rawValue) }
    }
  }

  /// `xs_introduce_domain`.
  func introduceDomain(_ domain: DomainID, storeFrame: UInt64, storePort: EventChannelPort) throws {
    try withHandle(.introduceDomain) { (xsh) throws(XenCallError) in
      try LibxenCall.success(.introduceDomain, domain: domain, hint: "store frame \(storeFrame), port \(storePort)") {
        xs_introduce_domain(xsh, domain.rawValue, UInt(storeFrame), storePort.rawValue)
      }
    }
  }

  // MARK: Watches

  /// `xs_watch` with a token unique within this client. The mailbox opens before the request is sent, so the event
  /// xenstored fires at registration is kept.
  func watch(_ path: String) throws -> XenStoreWatchID {
    let connection = try liveConnection(for: .watch)
    try connection.startReaderIfNeeded()
    let id = state.withLock { state in
      state.lastWatchID += 1
      state.watches[state.lastWatchID] = RegisteredWatch(path: path, connection: connection)
      return state.lastWatchID
    }
    connection.events.open(id)
    do {
      try connection.withHandle(.watch) { (xsh) throws(XenCallError) in
        try LibxenCall.success(.watch, hint: "watching \(path)") { xs_watch(xsh, path, Self.token(for: id)) }
      }
    } catch {
      _ = state.withLock { $0.watches.removeValue(forKey: id) }
      connection.events.close(id, failingWaitersWith: Self.unknownWatch(.nextWatchEvent))
      throw error
    }
    return XenStoreWatchID(rawValue: id)
  }

  /// The next event of a watch, from its mailbox. A watch of a lost connection fails with ECONNRESET once the
  /// events that arrived before the loss are taken.
  func nextEvent(_ watch: XenStoreWatchID) async throws -> String {
    guard let connection = state.withLock({ $0.watches[watch.rawValue]?.connection }) else {
      throw Self.unknownWatch(.nextWatchEvent)
    }
    return try await connection.events.next(from: watch.rawValue, missing: Self.unknownWatch(.nextWatchEvent))
  }

  /// The oldest queued event of a watch, without waiting: `nil` when none is queued (also once its connection was
  /// lost and its queue is empty; the next wait reports the loss). ENOENT for an unknown watch.
  func takeEvent(_ watch: XenStoreWatchID) throws(XenCallError) -> String? {
    guard let connection = state.withLock({ $0.watches[watch.rawValue]?.connection }) else {
      throw Self.unknownWatch(.takeWatchEvent)
    }
    return connection.events.take(from: watch.rawValue)
  }

  /// How many tasks wait on a watch right now; lets tests act only once a waiter is parked.
  func waiterCount(_ watch: XenStoreWatchID) -> Int {
    state.withLock { $0.watches[watch.rawValue]?.connection }?.events.waiterCount(watch.rawValue) ?? 0
  }

  /// `xs_unwatch`, then the mailbox is dropped. xenstored answering ENOENT means the watch is already gone there,
  /// which is what the caller wanted; so is a watch of a lost connection, which took its watches with it (no request
  /// is sent for it, and no reconnection is made).
  func unwatch(_ watch: XenStoreWatchID) throws {
    let id = watch.rawValue
    guard let registered = state.withLock({ $0.watches[id] }) else { throw Self.unknownWatch(.unwatch) }
    if registered.connection.lostError(.unwatch) == nil {
      do throws(XenCallError) {
        try registered.connection.withHandle(.unwatch) { (xsh) throws(XenCallError) in
          try LibxenCall.success(.unwatch, hint: "unwatching \(registered.path)") {
            xs_unwatch(xsh, registered.path, Self.token(for: id))
          }
        }
      } catch {
        if error.errno != .noSuchFileOrDirectory && registered.connection.lostError(.unwatch) == nil { throw error }
      }
    }
    _ = state.withLock { $0.watches.removeValue(forKey: id) }
    registered.connection.events.close(
      id,
      failingWaitersWith: XenCallError(.nextWatchEvent, errno: .noSuchFileOrDirectory, hint: "the watch was removed"))
  }

  private static func token(for id: UInt64) -> String { tokenPrefix + String(id) }

  fileprivate static func watchID(fromToken token: String) -> UInt64? {
    guard token.hasPrefix(tokenPrefix) else { return nil }
    return UInt64(token.dropFirst(tokenPrefix.count))
  }

  /// ENOENT, which is what xenstored answers when asked to remove a watch it does not have.
  private static func unknownWatch(_ operation: XenHostOperation) -> XenCallError {
    XenCallError(operation, errno: .noSuchFileOrDirectory, hint: "not a watch of this host (or already removed)")
  }
}

/// One libxenstore handle, that is one connection to xenstored, with its watch reader and the mailboxes of the
/// watches registered on it.
///
/// What libxenstore 4.17–4.20 does when xenstored goes away (`tools/libs/store/xs.c`): its own reader thread, started
/// by the first `xs_watch`, gets EOF (or a read error), closes the socket, sets the handle's descriptor to -1 and
/// wakes the condition variables that `xs_read_watch` and pending requests sleep on; it does not write to the watch
/// pipe, so a `poll` on `xs_fileno` never wakes. Afterwards `xs_check_watch` returns the events already queued and
/// then fails with EINVAL, a request in flight fails with EINVAL, and later requests fail with EBADF (they write to
/// descriptor -1).
///
/// So the reader thread here also watches the socket for its hang-up. libxenstore has no call that returns the
/// socket, but `fd` is the first member of `struct xs_handle` in every release (4.17.7 and 4.20 checked). It is read
/// once, right after `xs_open` and before libxenstore's reader exists (nothing else changes it before then), checked
/// to be a Unix socket connected to the path libxenstore connects to (`xs_daemon_socket()`, which honours
/// `XENSTORED_PATH`), and duplicated: the duplicate stays ours and open, so it can be polled however libxenstore
/// closes its own. When the check fails (a future layout, or `/dev/xen/xenbus` when xenstored runs in a stub domain,
/// which never hangs up) there is no early warning: a lost connection is still recognised from failing requests,
/// and waits end at their deadlines as before.
///
/// A request that fails with EBADF, EPIPE or ECONNRESET, or with EINVAL while the socket has hung up, also marks the
/// connection lost: xenstored itself never answers EBADF, EPIPE or ECONNRESET.
final class XenStoreConnection: Sendable {
  private let handle: Mutex<XenStoreHandle?>
  /// Our duplicate of libxenstore's socket, polled for its hang-up only; `nil` when it could not be identified, and
  /// once the connection is closed (under the lock, so that no zero-timeout poll ever looks at a number closed and
  /// perhaps reused meanwhile).
  private let socket: Mutex<FileDescriptor?>
  /// Whether the socket was identified, so that its hang-up is noticed.
  let hasSocket: Bool
  let events = EventMailboxes<UInt64, String>(queueingDuplicatesUpTo: XenStoreWatchID.queuedEventLimit)
  private let reader = Mutex<PollingThread?>(nil)
  private let lost = Mutex(false)

  /// What every wait and request fails with once the connection is gone.
  static func connectionLost(_ operation: XenHostOperation) -> XenCallError {
    .xenStoreConnectionLost(operation)
  }

  /// Opens the handle and identifies its socket.
  ///
  /// With `requiringSocket` a handle whose socket cannot be identified is refused with ECONNREFUSED. That is how a
  /// reconnection tells that xenstored is still down: when its socket refuses, `xs_open` falls back to
  /// `/dev/xen/xenbus`, which in a dom0 running xenstored opens fine but whose requests block until xenstored is
  /// back.
  init(requiringSocket: Bool = false) throws(XenCallError) {
    let opened = try XenStoreHandle()
    let socket = Self.duplicateSocket(of: opened.raw)
    if requiringSocket && socket == nil {
      let path = xs_daemon_socket().map { String(cString: $0) } ?? "xenstored's socket"
      throw XenCallError(call: "xs_open", errno: .connectionRefused, hint: "\(path) accepts no connection")
    }
    self.socket = Mutex(socket)
    hasSocket = socket != nil
    handle = Mutex(opened)
  }

  deinit {
    socket.withLock { try? $0?.close() }
  }

  /// Whether the socket reports a hang-up right now.
  private func socketHasHungUp() -> Bool {
    socket.withLock { $0?.hasHungUp() ?? false }
  }

  /// Marks the connection lost if its socket has hung up.
  func checkForHangUp() {
    if lostError(.read) == nil, socketHasHungUp() { markLost() }
  }

  /// The connection-lost error for `operation` once the connection is gone, `nil` while it is usable.
  func lostError(_ operation: XenHostOperation) -> XenCallError? {
    lost.withLock { $0 } ? Self.connectionLost(operation) : nil
  }

  /// Marks the connection lost and fails every current and later wait on its watches (after their queued events).
  func markLost() {
    lost.withLock { $0 = true }
    events.fail(with: Self.connectionLost(.nextWatchEvent))
  }

  /// Stops the reader thread, closes the handle and the socket duplicate, and fails whatever still waits on it.
  /// Idempotent. A lost connection's object lives on while its old watch ids are registered, holding no descriptor.
  func close() {
    let thread = reader.withLock { $0.take() }
    _ = consume thread
    let closing = handle.withLock { $0.take() }
    _ = consume closing
    socket.withLock { socket in
      try? socket?.close()
      socket = nil
    }
    markLost()
  }

  /// Runs one libxenstore call under the handle's lock; see the type's documentation for which failures mark the
  /// connection lost.
  func withHandle<Result: Sendable>(
    _ operation: XenHostOperation, _ body: (OpaquePointer) throws(XenCallError) -> Result
  ) throws(XenCallError) -> Result {
    if let error = lostError(operation) { throw error }
    do {
      return try handle.withLock { (handle: inout XenStoreHandle?) throws(XenCallError) -> Result in
        guard let raw = handle?.raw else { throw Self.connectionLost(operation) }
        return try body(raw)
      }
    } catch {
      guard showsLostConnection(error.errno) else { throw error }
      markLost()
      throw Self.connectionLost(operation)
    }
  }

  private func showsLostConnection(_ errno: Errno) -> Bool {
    switch errno {
    case .badFileDescriptor, .brokenPipe, .connectionReset: true
    case .invalidArgument: socketHasHungUp()
    default: false
    }
  }

  /// Starts the reader thread on the first watch.
  func startReaderIfNeeded() throws(XenCallError) {
    try reader.withLock { (reader: inout PollingThread?) throws(XenCallError) in
      if reader != nil { return }
      let descriptor = try withHandle(.watch) { (xsh) throws(XenCallError) in
        try LibxenCall.value(.watch, hint: "xs_fileno could not create the watch pipe") { xs_fileno(xsh) }
      }
      // libxenstore owns the watch pipe and closes it with the handle; the socket duplicate is closed by `close()`,
      // after the thread has been joined.
      reader = try PollingThread(
        polling: FileDescriptor(rawValue: descriptor),
        watchingForHangUp: socket.withLock { $0 },
        call: .watch,
        onReadable: { self.drainWatchEvents() },
        onHangUp: {
          // Events libxenstore read before the end are delivered first; it may still be reading the last ones,
          // which are then lost with the connection (their watches are gone anyway).
          _ = self.drainWatchEvents()
          self.markLost()
        },
        onFailure: { errno in
          self.events.fail(with: XenCallError(.nextWatchEvent, errno: errno, hint: "the watch reader's poll failed"))
        })
    }
  }

  /// Delivers every event libxenstore has queued; `false` when the connection to xenstored is gone, after failing
  /// every wait with the reason.
  private func drainWatchEvents() -> Bool {
    while true {
      let next: Result<(path: String, token: String)?, Errno> = handle.withLock { handle in
        guard let raw = handle?.raw else { return .failure(.badFileDescriptor) }
        errno = 0
        guard let vector = xs_check_watch(raw) else {
          if errno == EAGAIN { return .success(nil) }
          return .failure(LibxenCall.currentErrno())
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
        if let id = XenStoreClient.watchID(fromToken: event.token) { events.deliver(event.path, to: id) }
      case .failure(let errno):
        // EINVAL: libxenstore's reader closed the socket and the queue is empty (see the type's documentation).
        if errno == .invalidArgument || errno == .badFileDescriptor {
          markLost()
        } else {
          events.fail(
            with: XenCallError(.nextWatchEvent, errno: errno, hint: "xs_check_watch failed; watches no longer work"))
        }
        return false
      }
    }
  }

  /// A duplicate of the handle's socket (see the type's documentation), or `nil` when it cannot be identified.
  private static func duplicateSocket(of xsh: OpaquePointer) -> FileDescriptor? {
    let candidate = UnsafeRawPointer(xsh).load(as: Int32.self)
    guard candidate >= 0, let expected = xs_daemon_socket().map({ String(cString: $0) }),
      peerPath(of: candidate) == expected
    else { return nil }
    let duplicate = fcntl(candidate, F_DUPFD_CLOEXEC, 0)
    return duplicate >= 0 ? FileDescriptor(rawValue: duplicate) : nil
  }

  /// The path a Unix stream socket is connected to; `nil` for anything else.
  private static func peerPath(of descriptor: Int32) -> String? {
    var status = stat()
    guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK else { return nil }
    var address = sockaddr_un()
    var length = socklen_t(MemoryLayout<sockaddr_un>.size)
    let named = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(descriptor, $0, &length) }
    }
    guard named == 0, address.sun_family == sa_family_t(AF_UNIX) else { return nil }
    let pathBytes = Int(length) - MemoryLayout.offset(of: \sockaddr_un.sun_path)!
    guard pathBytes > 0 else { return nil }
    return withUnsafeBytes(of: address.sun_path) { bytes in
      String(decoding: bytes.prefix(pathBytes).prefix { $0 != 0 }, as: UTF8.self)
    }
  }
}
