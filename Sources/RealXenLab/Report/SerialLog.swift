/// The results dom0 printed on its serial console: every `@@RESULT {…}` line decoded as a `RecordedResult`, in order.
///
/// dom0 writes each result line whole, but the serial console is shared: Xen (`(XEN) `), a guest through Xen
/// (`(d3) `) and dom0's kernel (`[   12.345678] `) may cut into a line. Such a line is repaired:
/// the foreign fragment is dropped and the result goes on on the next line (a result spread over up to 8 lines). A
/// result's own text can hold what looks like the start of a foreign line (a guest's console excerpt is full of
/// kernel timestamps, each after an escaped newline), so every such start in the line is a candidate cut, and the
/// repair is the first that decodes: candidates after an escaped newline last, otherwise the earliest first (a
/// foreign line can hold such text too: a guest's `(d12) [   95.1] Kernel panic`). A line that still does not decode
/// is kept as an excerpt, and the report fails on it.
public struct SerialLog: Sendable {
  /// The results, in the order they were printed.
  public var results: [RecordedResult]
  /// The first 160 characters (from `@@RESULT `) of each result line that could not be decoded.
  public var unparsed: [String]

  /// The marker dom0 puts before each result.
  public static let marker = "@@RESULT "

  /// How many lines a cut-into result may be spread over, at most, before it is given up.
  static let repairs = 8
  /// How many candidate repairs of one result line are decoded, at most.
  static let attempts = 256

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
      let payload = String(lines[index][start.upperBound...])
      var budget = Self.attempts
      let decoded = Self.repair(payload, tail: payload.startIndex, line: index, joins: 0, of: lines, budget: &budget)
      if let (result, last) = decoded {
        results.append(result)
        index = last + 1
      } else {
        unparsed.append(String(lines[index][start.lowerBound...].prefix(160)))
        index += 1
      }
    }
    self.results = results
    self.unparsed = unparsed
  }

  /// The result `payload` decodes to once the other writers' fragments are dropped, and the line it ended on.
  /// `payload` is a result line with `joins` lines joined on, `line` of `lines` the last of them, its text
  /// `payload[tail...]`. A fragment runs from a foreign line's start in that text to the line's end; each candidate
  /// start is tried (`foreignFragments(in:)`'s order) with the next line joined on, until one decodes, the result
  /// spans `repairs` lines, or `budget` decodes were tried. A line with a result of its own never continues one.
  static func repair(
    _ payload: String, tail: String.Index, line: Int, joins: Int, of lines: [String], budget: inout Int
  ) -> (RecordedResult, Int)? {
    budget -= 1
    if let result = LabJSON.decode(RecordedResult.self, from: payload) { return (result, line) }
    // Valid JSON that is no result is not a cut line: nothing to repair.
    if JSONDocument.parse(payload) != nil { return nil }
    guard line + 1 < lines.count, joins + 1 < repairs, !lines[line + 1].contains(marker) else { return nil }
    for cut in foreignFragments(in: payload[tail...]) where budget > 0 {
      let kept = payload[..<cut]
      let joined = String(kept) + lines[line + 1]
      let joint = joined.utf8.index(joined.startIndex, offsetBy: kept.utf8.count)
      if let found = repair(joined, tail: joint, line: line + 1, joins: joins + 1, of: lines, budget: &budget) {
        return found
      }
    }
    return nil
  }

  /// Where lines of other writers may start in `text` (`(XEN) `, `(dNN) ` or a kernel timestamp `[  12.34] `), in
  /// the order to try them: the earliest first, except that those right after an escaped newline (`\n`, most likely
  /// a line of a console excerpt within the result's own JSON) come last.
  static func foreignFragments(in text: Substring) -> [String.Index] {
    var starts: [String.Index] = []
    var afterEscapedNewline: [String.Index] = []
    var index = text.startIndex
    while index < text.endIndex {
      let rest = text[index...]
      if rest.hasPrefix("(XEN) ") || isGuestPrefix(rest) || isTimestamp(rest) {
        if text[..<index].hasSuffix("\\n") {
          afterEscapedNewline.append(index)
        } else {
          starts.append(index)
        }
      }
      index = text.index(after: index)
    }
    return starts + afterEscapedNewline
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
