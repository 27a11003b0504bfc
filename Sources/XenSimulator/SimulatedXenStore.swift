import SystemPackage
@_spi(XenHostBackends) import XenResumeCore

/// One xenstore node.
struct XenStoreNode: Hashable {
  var value: String
  /// xenstored's permission list: the first entry names the owner and what everyone else may do.
  var permissions: [XenStorePermission]
  /// The names of the node's children.
  var children: Set<String> = []
  /// The store generation of the node's last change: what transactions compare at commit.
  var generation: UInt64 = 0
}

/// A change that fires watches, as xenstored's `fire_watches` sees it: watches on the path and on every ancestor
/// fire, and with `exact` (a child deleted along with its parent) only watches on that very path.
struct XenStoreChange: Hashable {
  let path: String
  let exact: Bool
}

/// The xenstore tree: nodes with xenstored's permission rules and transactions that conflict like C xenstored's.
///
/// Every operation names its caller. Domain 0 is privileged and may do anything; a guest may read or write a node
/// when it owns it or the node's permission list grants it, and creates nodes under an ancestor it may write, owning
/// what it creates. A node created by domain 0 inherits its parent's permissions unchanged (which is how a guest
/// loses write access to a `control/shutdown` that domain 0 re-created after the guest deleted it).
///
/// A transaction records the generation of every node it reads or changes; its commit fails with EAGAIN when any of
/// them changed since, and otherwise applies its changes at once. Changes are returned to the caller, who fires the
/// watches: immediately outside a transaction, at commit inside one.
struct SimulatedXenStore {
  private(set) var nodes: [String: XenStoreNode] = [:]
  private var generation: UInt64 = 0
  private var transactions: [UInt32: TransactionState] = [:]
  private var nextTransactionID: UInt32 = 1
  /// Whether xenstored serves the toolstack's connection; see `SimulatedXenHost.stopXenStored()`.
  private(set) var isRunning = true

  init() {
    let toolstackOnly = [XenStorePermission(domain: .dom0, access: .none)]
    let othersRead = [XenStorePermission(domain: .dom0, access: .read)]
    for (path, permissions) in [
      ("/", toolstackOnly), ("/local", othersRead), ("/local/domain", othersRead), ("/tool", toolstackOnly),
    ] {
      generation += 1
      nodes[path] = XenStoreNode(value: "", permissions: permissions, generation: generation)
      if let parent = XenStorePaths.parent(of: path) { nodes[parent]?.children.insert(XenStorePaths.name(of: path)) }
    }
  }

  var openTransactionCount: Int { transactions.count }

  /// xenstored goes away: the toolstack's transactions end with its connection. The nodes stay (see
  /// `SimulatedXenHost.stopXenStored()` for why), and so do guests' transactions.
  mutating func stop() {
    isRunning = false
    transactions = transactions.filter { $0.value.owner != .dom0 }
  }

  /// xenstored resets a guest's connection (`domain_conn_reset`, at XS_INTRODUCE): its transactions end.
  mutating func endTransactions(of guest: DomainID) {
    transactions = transactions.filter { $0.value.owner != guest }
  }

  /// xenstored is back, with the same nodes.
  mutating func start() {
    isRunning = true
  }

  /// ECONNREFUSED for a request of the toolstack while xenstored is down: its socket accepts no connection.
  /// Guests reach xenstored over their shared rings, which the simulator does not hold back.
  func requireRunning(for caller: DomainID) throws {
    if caller == .dom0 && !isRunning { throw Errno.connectionRefused }
  }

  func permissions(of path: String) -> [XenStorePermission]? {
    nodes[path]?.permissions
  }

  // MARK: Operations

  mutating func read(_ path: String, caller: DomainID, transaction: XenStoreTransaction) throws -> String? {
    try requireRunning(for: caller)
    return try perform(.read(path), caller: caller, transaction: transaction).value
  }

  /// The largest request payload xenstore carries (`XENSTORE_PAYLOAD_MAX`). A write's payload is its path, a NUL
  /// and its value, so the longest value a node can get depends on its path's length.
  static let payloadLimit = 4096

  /// Writes a node. E2BIG for a request whose payload exceeds `payloadLimit`, before anything changes: the client
  /// libraries refuse to send it (xenstored would drop a connection that did), so a guest cannot make a node hold
  /// more than that.
  mutating func write(
    _ path: String, value: String, caller: DomainID, transaction: XenStoreTransaction
  ) throws -> [XenStoreChange] {
    guard path.utf8.count + 1 + value.utf8.count <= Self.payloadLimit else { throw Errno.argListTooLong }
    return try perform(.write(path, value), caller: caller, transaction: transaction).changes
  }

  mutating func remove(_ path: String, caller: DomainID, transaction: XenStoreTransaction) throws -> [XenStoreChange] {
    try perform(.remove(path), caller: caller, transaction: transaction).changes
  }

  mutating func setPermissions(
    _ path: String, _ permissions: [XenStorePermission], caller: DomainID, transaction: XenStoreTransaction
  ) throws -> [XenStoreChange] {
    try perform(.setPermissions(path, permissions), caller: caller, transaction: transaction).changes
  }

  /// Starts a transaction; ECONNREFUSED for the toolstack while xenstored is down.
  mutating func startTransaction(caller: DomainID) throws -> XenStoreTransaction {
    try requireRunning(for: caller)
    // Pick an unused id, never 0 (XBT_NULL), as xenstored does.
    repeat {
      nextTransactionID = nextTransactionID == UInt32.max ? 1 : nextTransactionID + 1
    } while transactions[nextTransactionID] != nil
    transactions[nextTransactionID] = TransactionState(owner: caller)
    return XenStoreTransaction(rawValue: nextTransactionID)
  }

  /// Ends a transaction. Committing returns the changes to fire; EAGAIN when another writer got in between, and the
  /// transaction is gone either way; ENOENT for a transaction the caller does not have.
  mutating func endTransaction(
    _ transaction: XenStoreTransaction, commit: Bool, caller: DomainID
  ) throws -> [XenStoreChange] {
    guard let state = transactions[transaction.rawValue], state.owner == caller else {
      throw Errno.noSuchFileOrDirectory
    }
    transactions[transaction.rawValue] = nil
    guard commit else { return [] }
    for (path, observed) in state.observed where observed != TransactionState.Observed(nodes[path]) {
      throw Errno.resourceTemporarilyUnavailable
    }
    var access = DirectAccess(nodes: [:], generation: generation)
    swap(&access.nodes, &nodes)
    for (path, entry) in state.overlay {
      if let node = entry { access.setNode(node, at: path) } else { access.removeNode(at: path) }
    }
    swap(&access.nodes, &nodes)
    generation = access.generation
    return state.changes
  }

  /// Runs one request directly on the store, or on a transaction's view of it (whose changes fire at commit).
  private mutating func perform(
    _ request: XenStoreOperations.Request, caller: DomainID, transaction: XenStoreTransaction
  ) throws -> XenStoreOperations.Outcome {
    if transaction == .none {
      // Move the nodes into the access and back, so that changing them never copies the dictionary.
      var access = DirectAccess(nodes: [:], generation: generation)
      swap(&access.nodes, &nodes)
      defer {
        swap(&access.nodes, &nodes)
        generation = access.generation
      }
      return try XenStoreOperations.perform(request, caller: caller, in: &access)
    }
    guard let state = transactions[transaction.rawValue], state.owner == caller else {
      throw Errno.noSuchFileOrDirectory
    }
    var access = TransactionAccess(base: nodes, state: state)
    defer { transactions[transaction.rawValue] = access.state }
    let outcome = try XenStoreOperations.perform(request, caller: caller, in: &access)
    access.state.changes.append(contentsOf: outcome.changes)
    return XenStoreOperations.Outcome(value: outcome.value, changes: [])
  }
}

/// How an operation reaches nodes: the store itself, or a transaction's view of it.
protocol XenStoreNodeAccess {
  mutating func node(at path: String) -> XenStoreNode?
  mutating func setNode(_ node: XenStoreNode, at path: String)
  mutating func removeNode(at path: String)
}

/// The store itself: every change takes the next generation.
private struct DirectAccess: XenStoreNodeAccess {
  var nodes: [String: XenStoreNode]
  var generation: UInt64

  mutating func node(at path: String) -> XenStoreNode? { nodes[path] }

  mutating func setNode(_ node: XenStoreNode, at path: String) {
    generation += 1
    var node = node
    node.generation = generation
    nodes[path] = node
  }

  mutating func removeNode(at path: String) {
    generation += 1
    nodes[path] = nil
  }
}

/// An open transaction: what it saw and what it changed.
private struct TransactionState {
  /// A node's state when the transaction first touched it.
  enum Observed: Equatable {
    case absent
    case generation(UInt64)

    init(_ node: XenStoreNode?) {
      self = node.map { .generation($0.generation) } ?? .absent
    }
  }

  let owner: DomainID
  var observed: [String: Observed] = [:]
  /// Changed nodes: the new node, or `nil` when removed.
  var overlay: [String: XenStoreNode?] = [:]
  var changes: [XenStoreChange] = []

  init(owner: DomainID) {
    self.owner = owner
  }
}

/// A transaction's view: its own changes over the store as it was.
private struct TransactionAccess: XenStoreNodeAccess {
  let base: [String: XenStoreNode]
  var state: TransactionState

  mutating func node(at path: String) -> XenStoreNode? {
    if let entry = state.overlay[path] { return entry }
    let node = base[path]
    observe(path, node)
    return node
  }

  mutating func setNode(_ node: XenStoreNode, at path: String) {
    observe(path, base[path])
    state.overlay[path] = .some(node)
  }

  mutating func removeNode(at path: String) {
    observe(path, base[path])
    state.overlay[path] = .some(nil)
  }

  private mutating func observe(_ path: String, _ node: XenStoreNode?) {
    if state.observed[path] == nil { state.observed[path] = TransactionState.Observed(node) }
  }
}
