@_spi(XenHostBackends) import XenResumeCore

/// A node other than a guest's own three: its value and the generation of its last change.
struct NullNode {
  var value: String
  var generation: UInt64
}

/// An open transaction: the generation of every node it saw when it first touched it, and its changes, which
/// nobody else sees until it commits (`nil`: removed).
struct NullTransaction {
  let id: XenStoreTransaction
  var observed: [(path: String, generation: UInt64)] = []
  var changes: [(path: String, value: String?)] = []

  mutating func observe(_ path: String, generation: UInt64) {
    if !observed.contains(where: { $0.path == path }) { observed.append((path, generation)) }
  }
}

/// xenstore as xenstored keeps it: reads, writes and removes with or without a transaction, and commits that
/// conflict (`xenstored_transaction.c`). The guests' own nodes take the parse-and-index path of `node(_:)`, with no
/// table; every other node lives in `nodes`. Transactions are off every hot path.
extension NullHostState {
  /// A node's value as the caller sees it: its own uncommitted change inside a transaction first.
  mutating func read(_ path: String, transaction: XenStoreTransaction) throws -> String? {
    guard transaction != .none else { return currentValue(path) }
    let index = try openTransaction(transaction, .read)
    if let change = transactions[index].changes.last(where: { $0.path == path }) { return change.value }
    transactions[index].observe(path, generation: currentGeneration(path))
    return currentValue(path)
  }

  /// Writes (`value`) or removes (`nil`) a node: at once, or at the transaction's commit.
  mutating func change(
    _ path: String, to value: String?, transaction: XenStoreTransaction, _ operation: XenHostOperation
  ) throws -> Wakeups {
    guard transaction != .none else { return apply(path, value) }
    let index = try openTransaction(transaction, operation)
    transactions[index].observe(path, generation: currentGeneration(path))
    transactions[index].changes.append((path, value))
    return Wakeups()
  }

  mutating func startTransaction() -> XenStoreTransaction {
    nextTransaction &+= 1
    let id = XenStoreTransaction(rawValue: nextTransaction)
    transactions.append(NullTransaction(id: id))
    return id
  }

  /// Ends a transaction: EAGAIN when anything it saw changed since (`finalize_transaction`), otherwise its changes
  /// apply in order and fire their watches. It is over either way.
  mutating func endTransaction(_ transaction: XenStoreTransaction, commit: Bool) throws -> Wakeups {
    let ended = transactions.remove(at: try openTransaction(transaction, .endTransaction))
    guard commit else { return Wakeups() }
    for (path, generation) in ended.observed where currentGeneration(path) != generation {
      throw XenCallError(
        .endTransaction, errno: .resourceTemporarilyUnavailable, hint: "\(path) changed since the transaction saw it")
    }
    var woken = Wakeups()
    for (path, value) in ended.changes { woken.merge(apply(path, value)) }
    return woken
  }

  /// The open transaction's index; ENOENT for one that is not open, as xenstored answers.
  func openTransaction(_ transaction: XenStoreTransaction, _ operation: XenHostOperation) throws -> Int {
    guard let index = transactions.firstIndex(where: { $0.id == transaction }) else {
      throw XenCallError(
        operation, errno: .noSuchFileOrDirectory, hint: "transaction \(transaction.rawValue) is not open")
    }
    return index
  }

  // MARK: The nodes themselves

  /// Makes a change visible and fires the watches it triggers; `suspend` written to a guest's `control/shutdown`
  /// reaches the guest.
  private mutating func apply(_ path: String, _ value: String?) -> Wakeups {
    if let (index, node) = node(path) {
      setGuestNode(index, node, to: value)
      guard node == .controlShutdown, value == SuspendRequest.value else { return fireWatches(path) }
      return deliverSuspendRequest(to: index, path: path)
    }
    generation &+= 1
    if let value {
      nodes[path] = NullNode(value: value, generation: generation)
      var parent = Self.parent(of: path)
      while let missing = parent, currentValue(missing) == nil {
        nodes[missing] = NullNode(value: "", generation: generation)
        parent = Self.parent(of: missing)
      }
    } else {
      nodes[path] = nil
      let below = path + "/"
      for child in nodes.keys where child.hasPrefix(below) { nodes[child] = nil }
    }
    return fireWatches(path)
  }

  /// A node outside the guests' modelled ones, as stored (`nil`: none).
  func storedValue(_ path: String) -> String? { nodes[path]?.value }

  private func currentValue(_ path: String) -> String? {
    if let (index, node) = node(path) { return domains[index].read(node) }
    if let stored = nodes[path] { return stored.value }
    return isImplicitDirectory(path) ? "" : nil
  }

  /// The generation a transaction compares: 0 for a node that never changed (or is absent).
  private func currentGeneration(_ path: String) -> UInt64 {
    if let (index, node) = node(path) { return domains[index].generation(of: node) }
    return nodes[path]?.generation ?? 0
  }

  /// The directories every host has without anyone writing them: the tree down to each domain's home and the
  /// directories holding a guest's own nodes.
  private func isImplicitDirectory(_ path: String) -> Bool {
    if path == "/" || path == "/local" || path == "/local/domain" { return true }
    let prefix = "/local/domain/"
    guard path.hasPrefix(prefix) else { return false }
    let rest = path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
    guard let id = rest.first.flatMap({ DomainID(String($0)) }), id == .dom0 || index(of: id) != nil else {
      return false
    }
    let below = rest.dropFirst().joined(separator: "/")
    return id == .dom0 ? below.isEmpty : ["", "control", "device", "device/suspend"].contains(below)
  }

  private static func parent(of path: String) -> String? {
    guard path != "/", let slash = path.lastIndex(of: "/") else { return nil }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }
}
