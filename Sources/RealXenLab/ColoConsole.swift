/// The console lines of the guests' `rx-colo` (`Tests/RealXen/guest/colo`): one page of guest memory that dom0 rewrites
/// while the guest is suspended. At boot it prints `RX-COLO gfn=0x1f2e3 value=0x5258434f4c4f3031` (the page's guest
/// frame and its first 8 bytes), then `RX-COLO value=0x…` each time those bytes changed, or `RX-COLO failed: WHY`.
public enum ColoConsole {
  /// The page a guest announced.
  public struct Page: Sendable, Equatable {
    /// Its guest frame number (the frame dom0 maps, for a PVH or PVHVM guest).
    public var frame: UInt64
    /// The last value the guest printed for it.
    public var value: UInt64

    /// A page.
    public init(frame: UInt64, value: UInt64) {
      self.frame = frame
      self.value = value
    }
  }

  /// The page announced in `lines` (the last announcement), with the last value printed after it; `nil` when the
  /// guest announced none.
  public static func page(in lines: [String]) -> Page? {
    var page: Page?
    for line in lines {
      guard let fields = fields(of: line), let value = fields.value else { continue }
      if let frame = fields.frame {
        page = Page(frame: frame, value: value)
      } else {
        page?.value = value
      }
    }
    return page
  }

  /// Every value printed in `lines`, announcements included, in order.
  public static func values(in lines: [String]) -> [UInt64] {
    lines.compactMap { fields(of: $0)?.value }
  }

  /// The reason of the last `RX-COLO failed: WHY` line in `lines`; `nil` when there is none.
  public static func failure(in lines: [String]) -> String? {
    lines.compactMap { line -> String? in
      guard let range = line.firstRange(of: "RX-COLO failed: ") else { return nil }
      return String(line[range.upperBound...])
    }.last
  }

  /// `0x` and 16 lowercase hex digits: how the guest prints a value, and how the facts record one.
  public static func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 16 - digits.count) + digits
  }

  /// The `gfn=` and `value=` of one `RX-COLO` line (a line's prefix, such as a carriage return, is ignored); `nil`
  /// for any other line.
  static func fields(of line: String) -> (frame: UInt64?, value: UInt64?)? {
    guard let range = line.firstRange(of: "RX-COLO ") else { return nil }
    var frame: UInt64?
    var value: UInt64?
    for word in line[range.upperBound...].split(whereSeparator: \.isWhitespace) {
      if let number = hexNumber(word, after: "gfn=") { frame = number }
      if let number = hexNumber(word, after: "value=") { value = number }
    }
    return (frame, value)
  }

  /// The number in `name0x…`; `nil` when `word` is not that.
  private static func hexNumber(_ word: Substring, after name: String) -> UInt64? {
    guard word.hasPrefix(name + "0x") else { return nil }
    return UInt64(word.dropFirst(name.count + 2), radix: 16)
  }
}
