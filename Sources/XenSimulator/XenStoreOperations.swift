import SystemPackage
@_spi(XenHostBackends) import XenResumeCore

/// xenstored's request semantics, written once for both the store and a transaction's view of it.
enum XenStoreOperations {
  /// A request that reads or changes nodes.
  enum Request {
    case read(String)
    case write(String, String)
    case remove(String)
    case setPermissions(String, [XenStorePermission])
  }

  /// What a request returned: a value for reads, the changes that fire watches for the rest.
  struct Outcome {
    var value: String?
    var changes: [XenStoreChange]
  }

  static func perform<Access: XenStoreNodeAccess>(
    _ request: Request, caller: DomainID, in access: inout Access
  ) throws -> Outcome {
    switch request {
    case .read(let path):
      return Outcome(value: try read(path, caller: caller, in: &access), changes: [])
    case .write(let path, let value):
      return Outcome(value: nil, changes: try write(path, value: value, caller: caller, in: &access))
    case .remove(let path):
      return Outcome(value: nil, changes: try remove(path, caller: caller, in: &access))
    case .setPermissions(let path, let permissions):
      return Outcome(value: nil, changes: try setPermissions(path, permissions, caller: caller, in: &access))
    }
  }

  /// What a caller may do with a node: domain 0 and the owner everything, another domain what its own entry (or,
  /// without one, the first entry) grants.
  static func access(of caller: DomainID, to permissions: [XenStorePermission]) -> (read: Bool, write: Bool) {
    guard caller != .dom0, let owner = permissions.first, owner.domain != caller else { return (true, true) }
    let granted = permissions.dropFirst().first(where: { $0.domain == caller })?.access ?? owner.access
    switch granted {
    case .none: return (false, false)
    case .read: return (true, false)
    case .write: return (false, true)
    case .readWrite: return (true, true)
    }
  }

  /// A missing node's error, as xenstored hides it: EACCES when the nearest existing ancestor does not grant the
  /// access either, so a guest cannot probe nodes it may not see; otherwise `nil` (the node is just not there).
  private static func missingNodeError<Access: XenStoreNodeAccess>(
    _ path: String, caller: DomainID, needsWrite: Bool, in access: inout Access
  ) -> Errno? {
    var current = path
    while let parent = XenStorePaths.parent(of: current) {
      if let node = access.node(at: parent) {
        let granted = Self.access(of: caller, to: node.permissions)
        return (needsWrite ? granted.write : granted.read) ? nil : .permissionDenied
      }
      current = parent
    }
    return nil
  }

  static func read<Access: XenStoreNodeAccess>(
    _ path: String, caller: DomainID, in access: inout Access
  ) throws -> String? {
    let path = try XenStorePaths.canonical(path, caller: caller)
    guard let node = access.node(at: path) else {
      if let error = missingNodeError(path, caller: caller, needsWrite: false, in: &access) { throw error }
      return nil
    }
    guard Self.access(of: caller, to: node.permissions).read else { throw Errno.permissionDenied }
    return node.value
  }

  /// Writes a node, creating it and any missing parents. New nodes inherit their parent's permissions; a guest
  /// owns what it creates.
  static func write<Access: XenStoreNodeAccess>(
    _ path: String, value: String, caller: DomainID, in access: inout Access
  ) throws -> [XenStoreChange] {
    let path = try XenStorePaths.canonical(path, caller: caller)
    if var node = access.node(at: path) {
      guard Self.access(of: caller, to: node.permissions).write else { throw Errno.permissionDenied }
      node.value = value
      access.setNode(node, at: path)
      return [XenStoreChange(path: path, exact: false)]
    }
    var missing = [path]
    var ancestorPath = XenStorePaths.parent(of: path)
    while let candidate = ancestorPath, access.node(at: candidate) == nil {
      missing.append(candidate)
      ancestorPath = XenStorePaths.parent(of: candidate)
    }
    guard let ancestorPath, var parent = access.node(at: ancestorPath) else { throw Errno.noSuchFileOrDirectory }
    guard Self.access(of: caller, to: parent.permissions).write else { throw Errno.permissionDenied }
    var parentPath = ancestorPath
    for newPath in missing.reversed() {
      var permissions = parent.permissions
      if caller != .dom0 { permissions[0].domain = caller }
      let node = XenStoreNode(value: newPath == path ? value : "", permissions: permissions)
      parent.children.insert(XenStorePaths.name(of: newPath))
      access.setNode(parent, at: parentPath)
      access.setNode(node, at: newPath)
      parentPath = newPath
      parent = node
    }
    return [XenStoreChange(path: path, exact: false)]
  }

  /// Removes a node and everything below it. Removing a missing node succeeds (when the caller could have written
  /// it); the root cannot be removed.
  static func remove<Access: XenStoreNodeAccess>(
    _ path: String, caller: DomainID, in access: inout Access
  ) throws -> [XenStoreChange] {
    let path = try XenStorePaths.canonical(path, caller: caller)
    guard path != "/" else { throw Errno.invalidArgument }
    guard let node = access.node(at: path) else {
      if let error = missingNodeError(path, caller: caller, needsWrite: true, in: &access) { throw error }
      return []
    }
    guard Self.access(of: caller, to: node.permissions).write else { throw Errno.permissionDenied }
    var changes: [XenStoreChange] = []
    removeSubtree(path, node, changes: &changes, in: &access)
    if let parentPath = XenStorePaths.parent(of: path), var parent = access.node(at: parentPath) {
      parent.children.remove(XenStorePaths.name(of: path))
      access.setNode(parent, at: parentPath)
    }
    changes.append(XenStoreChange(path: path, exact: false))
    return changes
  }

  /// Deletes the children of a node depth first, each firing the watches on its own path only.
  private static func removeSubtree<Access: XenStoreNodeAccess>(
    _ path: String, _ node: XenStoreNode, changes: inout [XenStoreChange], in access: inout Access
  ) {
    for name in node.children.sorted() {
      let childPath = XenStorePaths.child(name, of: path)
      guard let child = access.node(at: childPath) else { continue }
      removeSubtree(childPath, child, changes: &changes, in: &access)
      changes.append(XenStoreChange(path: childPath, exact: true))
    }
    access.removeNode(at: path)
  }

  /// Replaces a node's permission list: only its owner or domain 0 may, and a guest may not give the node away.
  static func setPermissions<Access: XenStoreNodeAccess>(
    _ path: String, _ permissions: [XenStorePermission], caller: DomainID, in access: inout Access
  ) throws -> [XenStoreChange] {
    let path = try XenStorePaths.canonical(path, caller: caller)
    guard let newOwner = permissions.first else { throw Errno.invalidArgument }
    guard var node = access.node(at: path) else {
      if let error = missingNodeError(path, caller: caller, needsWrite: true, in: &access) { throw error }
      throw Errno.noSuchFileOrDirectory
    }
    let owner = node.permissions.first?.domain
    guard caller == .dom0 || owner == caller else { throw Errno.permissionDenied }
    guard caller == .dom0 || newOwner.domain == owner else { throw Errno.notPermitted }
    node.permissions = permissions
    access.setNode(node, at: path)
    return [XenStoreChange(path: path, exact: false)]
  }
}
