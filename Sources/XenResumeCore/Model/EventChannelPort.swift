/// An event channel port number (`evtchn_port_t`), local to one domain.
public struct EventChannelPort: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
  /// The port number.
  public var rawValue: UInt32

  /// Wraps a port number.
  public init(rawValue: UInt32) {
    self.rawValue = rawValue
  }

  /// Wraps a port number.
  public init(_ rawValue: UInt32) {
    self.rawValue = rawValue
  }

  /// Orders ports by number.
  public static func < (lhs: EventChannelPort, rhs: EventChannelPort) -> Bool {
    lhs.rawValue < rhs.rawValue
  }

  /// The number alone.
  public var description: String { String(rawValue) }
}
