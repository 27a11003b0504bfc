import Histogram

/// The distribution of guest pause times over a run of checkpoints, at microsecond resolution.
///
/// HdrHistogram keeps recording O(1) and memory fixed however many cycles run (100 000 cycles cost the same as
/// 10), with three significant digits, so every value below 2 ms is exact to the microsecond.
struct PauseStatistics: Sendable {
  private var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)

  /// An empty distribution.
  init() {}

  /// Records one pause, rounded to the nearest microsecond.
  mutating func record(_ pause: Duration) {
    histogram.record(UInt64(max(0, pause.microseconds.rounded())))
  }

  /// How many pauses were recorded.
  var count: UInt64 { histogram.totalCount }

  /// The summary reports print; all zero when nothing was recorded.
  var summary: Summary {
    guard count > 0 else { return Summary(min: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0) }
    return Summary(
      min: histogram.min, p50: histogram.valueAtPercentile(50), p90: histogram.valueAtPercentile(90),
      p99: histogram.valueAtPercentile(99), max: histogram.maxRecorded, mean: histogram.mean)
  }

  /// Min, percentiles, max and mean in microseconds: `"pauseMicroseconds":{"min":…,"p50":…,…}`.
  struct Summary: Codable, Sendable, Hashable {
    /// The shortest pause.
    var min: UInt64
    /// The median.
    var p50: UInt64
    /// The 90th percentile.
    var p90: UInt64
    /// The 99th percentile.
    var p99: UInt64
    /// The longest pause.
    var max: UInt64
    /// The mean (not an integer: an average of whole microseconds).
    var mean: Double

    /// `min 12 µs · p50 14 µs · …` for people.
    var line: String {
      [
        ("min", Double(min)), ("p50", Double(p50)), ("p90", Double(p90)), ("p99", Double(p99)),
        ("max", Double(max)), ("mean", mean),
      ]
      .map { "\($0.0) \(Duration.humanReadable(microseconds: $0.1))" }.joined(separator: ", ")
    }
  }
}
