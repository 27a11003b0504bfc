@_spi(XenHostBackends) import XenResumeCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A registered watch and the events queued on it.
///
/// An event names the node that changed. Most events name the watched path itself (`@releaseDomain`, a watched
/// control node), so those are only counted; the first event for a node below the path starts a queue of paths,
/// which every later event then joins, so the order holds without the hot paths ever allocating.
struct NullWatch {
  let id: XenStoreWatchID
  let path: String
  /// Events naming `path`, queued before everything in `later`.
  private var pending = 1
  private var later: [String] = []
  var waiter: UnsafeContinuation<String, any Error>?

  /// A watch with the one event xenstored fires at registration, naming its own path.
  init(id: XenStoreWatchID, path: String) {
    self.id = id
    self.path = path
  }

  mutating func enqueue(_ changed: String, exact: Bool) {
    if exact, later.isEmpty {
      pending += 1
    } else {
      later.append(changed)
    }
  }

  mutating func dequeue() -> String? {
    if pending > 0 {
      pending -= 1
      return path
    }
    return later.isEmpty ? nil : later.removeFirst()
  }

  /// Whether a change of `changed` fires this watch, and whether it is the watched path itself. xenstored fires a
  /// watch for its path and anything below it; special paths match exactly.
  func covers(_ changed: String) -> (fires: Bool, exact: Bool) {
    let changedCount = changed.utf8.count
    let pathCount = path.utf8.count
    guard changedCount >= pathCount else { return (false, false) }
    let covered = changed.utf8.withContiguousStorageIfAvailable { changedBytes in
      path.utf8.withContiguousStorageIfAvailable { pathBytes in
        guard memcmp(changedBytes.baseAddress!, pathBytes.baseAddress!, pathCount) == 0 else { return false }
        return changedCount == pathCount || changedBytes[pathCount] == UInt8(ascii: "/")
      }
    }
    if let covered = covered ?? nil { return (covered, covered && changedCount == pathCount) }
    // Bridged or otherwise non-contiguous strings: the generic comparison.
    guard changed.utf8.starts(with: path.utf8) else { return (false, false) }
    let rest = changed.utf8.dropFirst(pathCount)
    return (rest.isEmpty || rest.first == UInt8(ascii: "/"), rest.isEmpty)
  }
}

extension NullHostState {
  /// Queues an event naming `path` on every watch of it or of one of its parents, or hands it to a waiting reader.
  mutating func fireWatches(_ path: String) -> Wakeups {
    var woken = Wakeups()
    for index in watches.indices {
      let (fires, exact) = watches[index].covers(path)
      guard fires else { continue }
      if let waiter = watches[index].waiter {
        watches[index].waiter = nil
        woken.add(waiter, path: path)
      } else {
        watches[index].enqueue(path, exact: exact)
      }
    }
    return woken
  }

  /// A queued event's path, or `nil` after parking `waiter` (when given) to wait for one.
  mutating func takeWatchEvent(_ watch: XenStoreWatchID, waiter: UnsafeContinuation<String, any Error>?) throws
    -> String?
  {
    guard let index = watches.firstIndex(where: { $0.id == watch }) else {
      throw Self.unknownWatch(.nextWatchEvent, watch)
    }
    if let event = watches[index].dequeue() { return event }
    guard let waiter else { return nil }
    if Task.isCancelled { throw CancellationError() }
    guard watches[index].waiter == nil else {
      throw NullXenHost.mistake(.nextWatchEvent, nil, "two readers wait on watch \(watch.rawValue)")
    }
    watches[index].waiter = waiter
    return nil
  }

  mutating func takeWatchWaiter(_ watch: XenStoreWatchID) -> UnsafeContinuation<String, any Error>? {
    guard let index = watches.firstIndex(where: { $0.id == watch }) else { return nil }
    defer { watches[index].waiter = nil }
    return watches[index].waiter
  }

  /// ENOENT, as xenstored answers for a watch it does not have.
  static func unknownWatch(_ operation: XenHostOperation, _ watch: XenStoreWatchID) -> XenCallError {
    XenCallError(
      operation, errno: .noSuchFileOrDirectory, hint: "NullXenHost: watch \(watch.rawValue) is not registered")
  }
}

/// Continuations to resume once the host's lock is released, so that no waiter runs while the lock is held.
///
/// Two inline slots for watch readers (the controller's `@releaseDomain` pump and a control node watch) keep the
/// hot path free of allocations; more readers than that spill into an array.
struct Wakeups {
  typealias WatchWaiter = (continuation: UnsafeContinuation<String, any Error>, path: String)

  private var firstWatch: WatchWaiter?
  private var secondWatch: WatchWaiter?
  private var moreWatches: [WatchWaiter] = []
  private var portWaiter: UnsafeContinuation<Void, any Error>?

  init() {}

  /// Plans resuming a watch reader with the path that fired.
  mutating func add(_ continuation: UnsafeContinuation<String, any Error>, path: String) {
    if firstWatch == nil {
      firstWatch = (continuation, path)
    } else if secondWatch == nil {
      secondWatch = (continuation, path)
    } else {
      moreWatches.append((continuation, path))
    }
  }

  /// Plans resuming an event channel waiter.
  mutating func add(_ continuation: UnsafeContinuation<Void, any Error>) {
    precondition(portWaiter == nil, "one port fires per host call")
    portWaiter = continuation
  }

  mutating func merge(_ other: Wakeups) {
    // Slot by slot: building an array of the other's waiters would allocate on every suspend.
    if let waiter = other.firstWatch { add(waiter.continuation, path: waiter.path) }
    if let waiter = other.secondWatch { add(waiter.continuation, path: waiter.path) }
    for waiter in other.moreWatches { add(waiter.continuation, path: waiter.path) }
    if let waiter = other.portWaiter { add(waiter) }
  }

  func resume() {
    firstWatch.map { $0.continuation.resume(returning: $0.path) }
    secondWatch.map { $0.continuation.resume(returning: $0.path) }
    for waiter in moreWatches { waiter.continuation.resume(returning: waiter.path) }
    portWaiter?.resume()
  }
}
