/// Turns durations into the numbers and words that reports use.
extension Duration {
  /// The duration in microseconds, with the fraction kept (JSON reports use this unit).
  var microseconds: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) * 1_000_000 + Double(attoseconds) / 1_000_000_000_000
  }

  /// A short human reading such as `812 µs`, `12.4 ms` or `1.50 s`.
  var humanReadable: String {
    Self.humanReadable(microseconds: microseconds)
  }

  /// A short human reading of a number of microseconds, with three significant digits where there are
  /// fractions (`8.62 ms`, `45.3 µs`, `200 ms`).
  static func humanReadable(microseconds: Double) -> String {
    if microseconds < 1_000 { return "\(significant(microseconds)) µs" }
    if microseconds < 1_000_000 { return "\(significant(microseconds / 1_000)) ms" }
    return "\(significant(microseconds / 1_000_000)) s"
  }

  /// Three significant digits for values below 1000, whole numbers above.
  private static func significant(_ value: Double) -> String {
    let places = value < 10 ? 2 : value < 100 ? 1 : 0
    var text = decimal(value, places: places)
    // "200.0" says no more than "200": drop a fraction that is all zeros.
    if text.contains(".") {
      while text.hasSuffix("0") { text.removeLast() }
      if text.hasSuffix(".") { text.removeLast() }
    }
    return text
  }

  /// `value` rounded to `places` decimals, without Foundation's locale-dependent formatting.
  static func decimal(_ value: Double, places: Int) -> String {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let scaled = (value * scale).rounded()
    let whole = Int(scaled / scale)
    guard places > 0 else { return String(whole) }
    let fraction = Int(abs(scaled) - abs(Double(whole)) * scale)
    let digits = String(fraction)
    return "\(whole).\(String(repeating: "0", count: Swift.max(0, places - digits.count)))\(digits)"
  }
}
