/// The lab guests print `RX-COUNTER n up=…` every second; a guest is alive while that number moves.
public enum ConsoleCounter {
  /// The last counter in `text` (a console log's tail); `nil` when there is none.
  ///
  /// Lines are split on any newline, "\r\n" included: xenconsoled's logs end lines with CRLF, which Swift reads as
  /// one Character that is neither "\r" nor "\n" (split on those two, the whole tail was one line, its first
  /// counter read again and again).
  public static func last(in text: String) -> Int? {
    var last: Int?
    for line in text.split(whereSeparator: \.isNewline) {
      guard let range = line.firstRange(of: "RX-COUNTER ") else { continue }
      if let value = Int(line[range.upperBound...].prefix { $0.isASCII && $0.isNumber }) { last = value }
    }
    return last
  }
}
