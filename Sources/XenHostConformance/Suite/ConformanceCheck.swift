/// One rule of Xen's that every `XenHost` must keep, and the check that tries it.
///
/// A check uses raw `XenHost` calls for the rule it is about, never `SuspendController`, so that a failure points
/// at the backend and not at the controller. Host-wide checks run once; per-guest checks run once for each guest,
/// inside a session that leaves the guest as it was found.
public struct ConformanceCheck: Sendable, Identifiable, CustomStringConvertible {
  /// What a check is about, as the checks are grouped.
  public enum Subject: String, Sendable, Hashable, CaseIterable, Codable {
    /// Domain lookups, guest classification, `XEN_DOMCTL_resumedomain`, HVM parameters.
    case domains
    /// Reading and writing vcpu contexts.
    case vcpus
    /// Nodes and transactions.
    case xenstore
    /// Watches, `@releaseDomain` and its XS_RESUME latch.
    case watches
    /// Event channels and the suspend subscription.
    case eventChannels
    /// The per-domain suspend lock file.
    case suspendLock
  }

  enum Body: Sendable {
    /// Runs once for the host and returns what it saw.
    case host(@Sendable (CheckContext) async throws -> String)
    /// Runs once per guest, in a session the suite restores afterwards.
    case guest(@Sendable (GuestSession) async throws -> String)
  }

  /// A stable name, `<subject>.<rule>`, e.g. `watches.release-domain-rearmed-by-xs-resume`.
  public let name: String
  /// What it is about.
  public let subject: Subject
  /// The rule, in a sentence.
  public let rule: String
  /// The Xen source the rule was read from (file and function), so a reader can check the check.
  public let source: String
  let body: Body

  init(name: String, subject: Subject, rule: String, source: String, body: Body) {
    self.name = name
    self.subject = subject
    self.rule = rule
    self.source = source
    self.body = body
  }

  /// The name.
  public var id: String { name }

  /// Whether the check runs once per guest (otherwise once for the host).
  public var isPerGuest: Bool {
    if case .guest = body { return true }
    return false
  }

  /// `name: rule (source)`.
  public var description: String { "\(name): \(rule) (\(source))" }
}
