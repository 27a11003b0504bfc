/// The results dom0 printed on its serial console: every `@@RESULT {…}` line decoded as a `RecordedResult`, in order.
///
/// dom0 writes each result line whole, but the serial console is shared: Xen (`(XEN) `), a guest through Xen
/// (`(d3) `) and dom0's kernel (`[   12.345678] `) may cut into a line. Such a line is repaired:
/// the foreign fragment is dropped and the result goes on on the next line (up to 8 times). A line that still does
/// not decode is kept as an excerpt, and the report fails on it.
public struct SerialLog: Sendable {
  /// The results, in the order they were printed.
  public var results: [RecordedResult]
  /// The first 160 characters (from `@@RESULT `) of each result line that could not be decoded.
  public var unparsed: [String]

  /// The marker dom0 puts before each result.
  public static let marker = "@@RESULT "

  /// How many lines a cut-into result may be spread over, at most, before it is given up.
  static let repairs = 8

  /// The results in `text` (a serial log's contents).
  public init(_ text: String) {
    // Carriage returns go first: "\r\n" is one Character, and a split on "\n" would not see it.
    let lines = String(text.unicodeScalars.filter { $0 != "\r" })
      .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var results: [RecordedResult] = []
    var unparsed: [String] = []
    var index = 0
    while index < lines.count {
      guard let start = lines[index].firstRange(of: Self.marker) else {
        index += 1
        continue
      }
      var payload = String(lines[index][start.upperBound...])
      var last = index
      var decoded: RecordedResult?
      for _ in 0..<Self.repairs {
        if let result = LabJSON.decode(RecordedResult.self, from: payload) {
          decoded = result
          break
        }
        // Valid JSON that is no result is not a cut line: nothing to repair.
        if JSONDocument.parse(payload) != nil { break }
        // Another writer's line cut into ours: drop its fragment, ours goes on on the next line.
        guard let foreign = Self.foreignFragment(in: payload), last + 1 < lines.count else { break }
        payload = String(payload[..<foreign]) + lines[last + 1]
        last += 1
      }
      if let decoded {
        results.append(decoded)
        index = last + 1
      } else {
        unparsed.append(String(lines[index][start.lowerBound...].prefix(160)))
        index += 1
      }
    }
    self.results = results
    self.unparsed = unparsed
  }

  /// Where the first line of another writer starts in `text`: `(XEN) `, `(dNN) ` or a kernel timestamp `[  12.34] `
  /// `nil` when there is none.
  static func foreignFragment(in text: String) -> String.Index? {
    var index = text.startIndex
    while index < text.endIndex {
      let rest = text[index...]
      if rest.hasPrefix("(XEN) ") || isGuestPrefix(rest) || isTimestamp(rest) { return index }
      index = text.index(after: index)
    }
    return nil
  }

  /// `(d` digits `) `.
  private static func isGuestPrefix(_ text: Substring) -> Bool {
    guard text.hasPrefix("(d") else { return false }
    let digits = text.dropFirst(2)
    let afterDigits = digits.drop { $0.isASCII && $0.isNumber }
    return afterDigits.startIndex > digits.startIndex && afterDigits.hasPrefix(") ")
  }

  /// `[` spaces digits `.` digits `] `.
  private static func isTimestamp(_ text: Substring) -> Bool {
    guard text.first == "[" else { return false }
    let seconds = text.dropFirst().drop { $0.isWhitespace }
    let afterSeconds = seconds.drop { $0.isASCII && $0.isNumber }
    guard afterSeconds.startIndex > seconds.startIndex, afterSeconds.first == "." else { return false }
    let fraction = afterSeconds.dropFirst()
    let afterFraction = fraction.drop { $0.isASCII && $0.isNumber }
    return afterFraction.startIndex > fraction.startIndex && afterFraction.hasPrefix("] ")
  }
}
