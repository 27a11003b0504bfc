import Foundation

/// Encodes the one JSON document a `--json` command prints: sorted keys so that the output is stable and diffable,
/// no escaped slashes so paths read as they are.
enum JSONOutput {
  /// The encoded document, without a trailing newline.
  static func encode(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    do {
      return String(decoding: try encoder.encode(value), as: UTF8.self)
    } catch {
      // Every document is made of strings, numbers, booleans and nulls, which always encode; if that ever changes,
      // still print one valid document rather than nothing.
      return #"{"error":{"kind":"xenCall","message":"could not encode the report as JSON"}}"#
    }
  }

  /// Prints the document and a newline on stdout (never marked `simulated:`, so it stays one valid document).
  static func print(_ value: some Encodable) {
    Console.writeDocument(encode(value))
  }
}
