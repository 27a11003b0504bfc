#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Any JSON value, decoded and encoded as it is: the documents dom0's tools print (xen-resume's `--json`, the C
/// reference client's, the conformance suite's and the lifecycle program's lines) and the facts of a recorded result
/// read back on the host.
public enum JSONDocument: Codable, Sendable, Equatable {
  /// `null`.
  case null
  /// `true` or `false`.
  case bool(Bool)
  /// Any number.
  case number(Double)
  /// A string.
  case string(String)
  /// An array.
  case array([JSONDocument])
  /// An object.
  case object([String: JSONDocument])

  /// Decodes whichever kind of value is there.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Double.self) {
      self = .number(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([JSONDocument].self) {
      self = .array(value)
    } else {
      self = .object(try container.decode([String: JSONDocument].self))
    }
  }

  /// Encodes the value as it is.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .null: try container.encodeNil()
    case .bool(let value): try container.encode(value)
    case .number(let value):
      if value == value.rounded(), abs(value) < 1e15 {
        try container.encode(Int64(value))
      } else {
        try container.encode(value)
      }
    case .string(let value): try container.encode(value)
    case .array(let value): try container.encode(value)
    case .object(let value): try container.encode(value)
    }
  }

  /// `text` parsed as one JSON document; `nil` when it is not one.
  public static func parse(_ text: String) -> JSONDocument? {
    guard !text.isEmpty else { return nil }
    return try? JSONDecoder().decode(JSONDocument.self, from: Data(text.utf8))
  }

  /// The member `key` of an object; `nil` for a missing key or a value that is not an object.
  public subscript(key: String) -> JSONDocument? {
    guard case .object(let members) = self else { return nil }
    return members[key]
  }

  /// The string, or `nil`.
  public var string: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// The number as an integer when it is a whole number, or `nil`.
  public var integer: Int? {
    if case .number(let value) = self, value == value.rounded(), abs(value) < 1e15 { return Int(value) }
    return nil
  }

  /// The number, or `nil`.
  public var double: Double? {
    if case .number(let value) = self { return value }
    return nil
  }

  /// The boolean, or `nil`.
  public var bool: Bool? {
    if case .bool(let value) = self { return value }
    return nil
  }

  /// The elements, or `nil`.
  public var array: [JSONDocument]? {
    if case .array(let value) = self { return value }
    return nil
  }

  /// The value decoded as `type` (through its JSON text); `nil` when it does not have that shape.
  public func decode<T: Decodable>(as type: T.Type) -> T? {
    guard let data = try? JSONEncoder().encode(self) else { return nil }
    return try? JSONDecoder().decode(type, from: data)
  }

  /// The value's compact JSON text (keys sorted).
  public var text: String { LabJSON.text(self) }
}

/// The harness's one JSON encoding: compact, keys sorted (lines read the same from run to run), slashes unescaped.
public enum LabJSON {
  /// `value` as one line of JSON.
  public static func text(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    do {
      return String(decoding: try encoder.encode(value), as: UTF8.self)
    } catch {
      return #"{"encodingError":"\#(error)"}"#
    }
  }

  /// `text` decoded as `type`; `nil` when it is not that document.
  public static func decode<T: Decodable>(_ type: T.Type, from text: String) -> T? {
    guard !text.isEmpty else { return nil }
    return try? JSONDecoder().decode(type, from: Data(text.utf8))
  }
}
