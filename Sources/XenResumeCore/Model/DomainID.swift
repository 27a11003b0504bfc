/// A Xen domain identifier (`domid_t`), as the hypervisor and xenstore number domains.
///
/// Domain 0 is the control domain; real guests have ids from 1 up to `0x7FEF`.
public struct DomainID: RawRepresentable, Hashable, Sendable, Comparable {
  /// The raw domain number.
  public var rawValue: UInt32

  /// Wraps a raw domain number.
  public init(rawValue: UInt32) {
    self.rawValue = rawValue
  }

  /// Wraps a raw domain number.
  public init(_ rawValue: UInt32) {
    self.rawValue = rawValue
  }

  /// The control domain, in which a toolstack usually runs.
  public static let dom0 = DomainID(0)

  /// The largest id Xen gives an ordinary domain (`DOMID_FIRST_RESERVED - 1`).
  public static let maximumGuestID = DomainID(0x7FEF)

  /// Orders domains by their number.
  public static func < (lhs: DomainID, rhs: DomainID) -> Bool {
    lhs.rawValue < rhs.rawValue
  }
}

extension DomainID: ExpressibleByIntegerLiteral {
  /// Lets `7` stand for domain 7.
  public init(integerLiteral value: UInt32) {
    self.rawValue = value
  }
}

extension DomainID: CustomStringConvertible {
  /// The number alone, as `xl list` prints it.
  public var description: String { String(rawValue) }
}

extension DomainID: LosslessStringConvertible {
  /// Parses a decimal domain number; `nil` for anything else.
  public init?(_ description: String) {
    guard let value = UInt32(description, radix: 10) else { return nil }
    self.rawValue = value
  }
}

extension DomainID: Codable {
  /// Decodes a bare number.
  public init(from decoder: any Decoder) throws {
    self.rawValue = try decoder.singleValueContainer().decode(UInt32.self)
  }

  /// Encodes a bare number.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(rawValue)
  }
}
