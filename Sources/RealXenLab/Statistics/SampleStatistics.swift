/// Order statistics of measured samples, as the harness's judges and report compute them.
public enum SampleStatistics {
  /// The median (the mean of the two middle values of an even count); `nil` for none.
  public static func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    return median(sorted: values.sorted())
  }

  /// The median of values already in ascending order; `nil` for none.
  static func median(sorted: [Double]) -> Double? {
    guard !sorted.isEmpty else { return nil }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  }

  /// The nearest-rank percentile (the smallest value with at least `percent` % of the values at or below it), as the
  /// C reference client computes its own; `nil` for none.
  public static func percentile(_ percent: Double, of values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    return percentile(percent, sorted: values.sorted())
  }

  /// The nearest-rank percentile of values already in ascending order; `nil` for none.
  static func percentile(_ percent: Double, sorted: [Double]) -> Double? {
    guard !sorted.isEmpty else { return nil }
    let rank = Int((percent / 100 * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
  }
}
