import XenResumeCore

/// The outcome of one check on one guest (or on the host as a whole).
///
/// Encoded as one JSON object, every key always present (`guest` and `domain` are `null` for host-wide checks):
/// `{"check":"…","guest":"pv","domain":3,"outcome":"passed","detail":"…","milliseconds":12}`. The real-Xen harness
/// parses exactly this shape, so it is part of the package's interface.
public struct ConformanceResult: Sendable, Hashable, Codable, CustomStringConvertible {
  /// Whether a check kept the rule.
  public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// The host kept the rule.
    case passed
    /// The host broke the rule, or the check could not leave the guest as it found it.
    case failed
    /// The check could not run here; `detail` says why.
    case skipped
  }

  /// The check's name, e.g. `release-domain.rearmed-by-xs-resume`.
  public var check: String
  /// The guest's declared type; `nil` for a host-wide check.
  public var guest: GuestType?
  /// The guest's domain; `nil` for a host-wide check.
  public var domain: DomainID?
  /// Whether the rule held.
  public var outcome: Outcome
  /// What was observed: on failure what went wrong, on skip why.
  public var detail: String
  /// How long the check took on the suite's clock, rounded down to whole milliseconds.
  public var milliseconds: Int

  /// Describes a result.
  public init(
    check: String, guest: GuestType?, domain: DomainID?, outcome: Outcome, detail: String, milliseconds: Int
  ) {
    self.check = check
    self.guest = guest
    self.domain = domain
    self.outcome = outcome
    self.detail = detail
    self.milliseconds = milliseconds
  }

  private enum CodingKeys: String, CodingKey {
    case check, guest, domain, outcome, detail, milliseconds
  }

  /// Decodes a result; `guest` and `domain` may be `null` or absent.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    check = try container.decode(String.self, forKey: .check)
    guest = try container.decodeIfPresent(GuestType.self, forKey: .guest)
    domain = try container.decodeIfPresent(DomainID.self, forKey: .domain)
    outcome = try container.decode(Outcome.self, forKey: .outcome)
    detail = try container.decode(String.self, forKey: .detail)
    milliseconds = try container.decode(Int.self, forKey: .milliseconds)
  }

  /// Encodes every key, with explicit `null`s for a host-wide check (synthesised coding would leave them out).
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(check, forKey: .check)
    if let guest { try container.encode(guest, forKey: .guest) } else { try container.encodeNil(forKey: .guest) }
    if let domain { try container.encode(domain, forKey: .domain) } else { try container.encodeNil(forKey: .domain) }
    try container.encode(outcome, forKey: .outcome)
    try container.encode(detail, forKey: .detail)
    try container.encode(milliseconds, forKey: .milliseconds)
  }

  /// `passed  xenstore.transaction-conflict-eagain  (host)  detail`, for test failure messages.
  public var description: String {
    let subject = domain.map { "domain \($0)\(guest.map { " (\($0))" } ?? "")" } ?? "host"
    return "\(outcome.rawValue) \(check) [\(subject)]: \(detail)"
  }
}

/// How many checks passed, failed and were skipped.
///
/// Encoded as `{"summary":{"passed":N,"failed":N,"skipped":N}}`, the last line `xen-host-conformance` prints.
public struct ConformanceSummary: Sendable, Hashable, Codable {
  /// The counts themselves.
  public struct Counts: Sendable, Hashable, Codable {
    /// Checks whose rule held.
    public var passed: Int
    /// Checks whose rule was broken.
    public var failed: Int
    /// Checks that could not run.
    public var skipped: Int

    /// Counts to compare with.
    public init(passed: Int = 0, failed: Int = 0, skipped: Int = 0) {
      self.passed = passed
      self.failed = failed
      self.skipped = skipped
    }
  }

  /// The counts.
  public var summary: Counts

  /// Counts the outcomes of `results`.
  public init(_ results: [ConformanceResult]) {
    var counts = Counts()
    for result in results {
      switch result.outcome {
      case .passed: counts.passed += 1
      case .failed: counts.failed += 1
      case .skipped: counts.skipped += 1
      }
    }
    summary = counts
  }
}
