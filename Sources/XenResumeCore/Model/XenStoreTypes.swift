/// A xenstore transaction handle (`xs_transaction_t`); `.none` is `XBT_NULL`, outside any transaction.
public struct XenStoreTransaction: RawRepresentable, Hashable, Sendable {
  /// The transaction id xenstored handed out.
  public var rawValue: UInt32

  /// Wraps a transaction id.
  public init(rawValue: UInt32) {
    self.rawValue = rawValue
  }

  /// No transaction (`XBT_NULL`): the operation stands alone.
  public static let none = XenStoreTransaction(rawValue: 0)
}

/// A registered xenstore watch, as handed out by `XenHost.watch(_:)`.
public struct XenStoreWatchID: RawRepresentable, Hashable, Sendable {
  /// The watch's token, unique within its host.
  public var rawValue: UInt64

  /// Wraps a watch token.
  public init(rawValue: UInt64) {
    self.rawValue = rawValue
  }

  /// How many events a watch queues before it stops queueing events for paths it already holds (`XenHost`'s
  /// backends keep this rule). An event only says that something changed under the path, and every watcher reads
  /// state again on one, so a duplicate adds nothing; without the bound, a guest that rewrites a watched node of
  /// its own without pause, while nobody takes the events, would grow dom0's memory for as long as it liked.
  public static let queuedEventLimit = 4096
}

/// One entry of a xenstore node's permission list (`struct xs_permissions`).
///
/// The first entry names the owner and the access everyone else has; later entries grant domains more.
public struct XenStorePermission: Hashable, Sendable {
  /// What a permission entry allows.
  public enum Access: Sendable, Hashable {
    /// `XS_PERM_NONE`.
    case none
    /// `XS_PERM_READ`.
    case read
    /// `XS_PERM_WRITE`.
    case write
    /// `XS_PERM_READ | XS_PERM_WRITE`.
    case readWrite
  }

  /// The domain the entry is about (the owner, for the first entry).
  public var domain: DomainID
  /// What it allows.
  public var access: Access

  /// Describes one permission entry.
  public init(domain: DomainID, access: Access) {
    self.domain = domain
    self.access = access
  }
}

/// Well-known xenstore paths.
@_spi(XenHostBackends) public enum XenStorePath {
  /// The special watch path that fires when any domain shuts down or dies.
  public static let releaseDomain = "@releaseDomain"

  /// `/local/domain/<id>`.
  public static func home(of domain: DomainID) -> String { "/local/domain/\(domain.rawValue)" }

  /// `/local/domain/<id>/control/shutdown`: where the toolstack writes `suspend`.
  public static func controlShutdown(of domain: DomainID) -> String { home(of: domain) + "/control/shutdown" }

  /// `/local/domain/<id>/control/feature-suspend`: "1" when a guest says it can suspend through xenstore.
  public static func featureSuspend(of domain: DomainID) -> String { home(of: domain) + "/control/feature-suspend" }

  /// `/local/domain/<id>/device/suspend/event-channel`: the guest's suspend port, empty when it has none.
  public static func suspendEventChannel(of domain: DomainID) -> String {
    home(of: domain) + "/device/suspend/event-channel"
  }

  /// `/local/domain/<id>/console/port`: the guest's PV console port, which xenconsoled binds when it changes.
  public static func consolePort(of domain: DomainID) -> String { home(of: domain) + "/console/port" }
}
