import DequeModule
@_spi(XenHostBackends) import XenResumeCore

/// The toolstack's watches: their paths and queued events (the waits parked on them are in
/// `SimulatorState.watchWaiters`).
///
/// Watches are indexed by path, so a change looks up the watches on its path and its ancestors (a handful of
/// dictionary look-ups) instead of scanning every watch.
struct XenStoreWatchRegistry {
  /// Events a watch keeps before it starts dropping events for paths already queued (the watcher re-reads state on
  /// each event, so a duplicate adds nothing). Bounds memory when nobody reads a busy watch; LibxenHost keeps the
  /// same rule.
  static let queueLimit = XenStoreWatchID.queuedEventLimit

  private struct Watch {
    let path: String
    var events = Deque<String>()
  }

  private var watches: [UInt64: Watch] = [:]
  /// Watches of a toolstack connection that xenstored dropped, with the events queued before: those are still
  /// handed out, then waits fail. Tokens are never reused, so an old watch is never mistaken for a new one.
  private var lost: [UInt64: Deque<String>] = [:]
  private var watchesByPath: [String: [UInt64]] = [:]
  /// Watches on nodes (not on special paths): while there are none, changes need no look-up at all.
  private var nodeWatchCount = 0
  private var nextToken: UInt64 = 1

  var count: Int { watches.count }

  func contains(_ watch: XenStoreWatchID) -> Bool { watches[watch.rawValue] != nil }

  /// Whether a watch was registered on a connection xenstored has since dropped (and not yet unwatched).
  func isLost(_ watch: XenStoreWatchID) -> Bool { lost[watch.rawValue] != nil }

  /// Every live watch.
  var all: [XenStoreWatchID] { watches.keys.map(XenStoreWatchID.init(rawValue:)) }

  /// xenstored dropped the toolstack's connection: every watch is lost, keeping the events queued so far.
  mutating func disconnect() {
    for (token, watch) in watches { lost[token] = watch.events }
    watches = [:]
    watchesByPath = [:]
    nodeWatchCount = 0
  }

  /// Forgets a lost watch; `false` when it is not one.
  mutating func forgetLost(_ watch: XenStoreWatchID) -> Bool {
    lost.removeValue(forKey: watch.rawValue) != nil
  }

  /// Events queued for a watch and not yet read; `nil` for an unknown watch.
  func queuedEventCount(of watch: XenStoreWatchID) -> Int? { watches[watch.rawValue]?.events.count }

  /// Registers a watch; like xenstored it fires once straight away, with its own path.
  mutating func add(path: String) -> XenStoreWatchID {
    let token = nextToken
    nextToken += 1
    var watch = Watch(path: path)
    watch.events.append(path)
    watches[token] = watch
    watchesByPath[path, default: []].append(token)
    if !path.hasPrefix("@") { nodeWatchCount += 1 }
    return XenStoreWatchID(rawValue: token)
  }

  /// Removes a watch and its queued events.
  mutating func remove(_ watch: XenStoreWatchID) {
    guard let removed = watches.removeValue(forKey: watch.rawValue) else { return }
    if !removed.path.hasPrefix("@") { nodeWatchCount -= 1 }
    watchesByPath[removed.path]?.removeAll { $0 == watch.rawValue }
    if watchesByPath[removed.path]?.isEmpty == true { watchesByPath[removed.path] = nil }
  }

  /// The watches a change fires: on its path and, unless exact, on every ancestor.
  func watches(firedBy change: XenStoreChange) -> [XenStoreWatchID] {
    if nodeWatchCount == 0 { return [] }
    let paths = change.exact ? [change.path] : XenStorePaths.selfAndAncestors(of: change.path)
    return paths.flatMap { watchesByPath[$0] ?? [] }.map(XenStoreWatchID.init(rawValue:))
  }

  /// The watches on one special path such as `@releaseDomain`.
  func watches(on path: String) -> [XenStoreWatchID] {
    (watchesByPath[path] ?? []).map(XenStoreWatchID.init(rawValue:))
  }

  /// Queues an event for a watch nobody is waiting on.
  mutating func enqueue(_ path: String, for watch: XenStoreWatchID) {
    guard var entry = watches.removeValue(forKey: watch.rawValue) else { return }
    if entry.events.count < Self.queueLimit || !entry.events.contains(path) {
      entry.events.append(path)
    }
    watches[watch.rawValue] = entry
  }

  /// Takes a watch's oldest queued event, a lost watch's included.
  mutating func dequeue(from watch: XenStoreWatchID) -> String? {
    if lost[watch.rawValue] != nil { return lost[watch.rawValue]?.popFirst() }
    return watches[watch.rawValue]?.events.popFirst()
  }
}
