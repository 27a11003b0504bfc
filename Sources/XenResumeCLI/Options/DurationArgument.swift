import ArgumentParser

/// A duration on the command line: a non-negative decimal number and a unit, `500us`, `250ms`, `1.5s`, `2m`, `1h`.
///
/// A bare number is seconds, as for `sleep(1)` and `xl`'s timeouts. Negative numbers, exponents, `inf`, `nan` and
/// anything over 24 hours are refused, so that a typo never turns into a timeout that is effectively infinite.
struct DurationArgument: Sendable, Hashable, CustomStringConvertible {
  /// The parsed duration.
  var duration: Duration
  /// The text it was parsed from, for help output and messages.
  var text: String

  /// The units accepted; a unit must match one of these exactly, so `ms` is never read as `m` and garbage.
  static let units: [(suffix: String, nanoseconds: Double)] = [
    ("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
  ]

  /// The longest duration accepted.
  static let maximum = Duration.seconds(24 * 3600)

  /// Parses a duration or explains in one line what is wrong with it.
  static func parse(_ text: String) throws(ValidationError) -> DurationArgument {
    let trimmed = text.trimmingWhitespace
    guard !trimmed.isEmpty else { throw ValidationError("a duration is empty; write e.g. 250ms, 60s or 2m") }
    let number = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
    let unit = trimmed.dropFirst(number.count)
    guard !number.isEmpty, number.filter({ $0 == "." }).count <= 1, number != ".", let value = Double(number)
    else {
      throw ValidationError(
        "'\(text)' is not a duration: it must start with a non-negative number, e.g. 250ms, 60s, 1.5s or 2m")
    }
    let factor: Double
    if unit.isEmpty {
      factor = 1_000_000_000
    } else if let match = units.first(where: { $0.suffix == unit }) {
      factor = match.nanoseconds
    } else {
      throw ValidationError(
        "'\(text)' has an unknown unit '\(unit)'; use ns, us, ms, s, m or h (a bare number is seconds)")
    }
    let nanoseconds = value * factor
    guard nanoseconds.isFinite, nanoseconds <= Double(maximum.components.seconds) * 1_000_000_000 else {
      throw ValidationError("'\(text)' is longer than the 24 hours a duration may be")
    }
    return DurationArgument(duration: .nanoseconds(Int64(nanoseconds.rounded())), text: text)
  }

  /// A duration with its text.
  init(duration: Duration, text: String) {
    self.duration = duration
    self.text = text
  }

  /// The text as written.
  var description: String { text }
}
