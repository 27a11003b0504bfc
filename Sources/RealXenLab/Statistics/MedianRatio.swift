import SeededRandom

/// The ratio of two samples' medians (xen-resume's pauses over the C client's), with a percentile-bootstrap
/// confidence interval, so that a ratio from an emulated host says how far it can be trusted.
///
/// Each resample draws both samples again with replacement, independently, and takes the ratio of their medians;
/// the interval is the 2.5th and 97.5th percentile of those ratios. The generator is seeded, so the same samples
/// always give the same interval: a report can be recomputed from the recorded samples and agree to the digit.
public struct MedianRatio: Sendable, Hashable {
  /// median(numerator) / median(denominator).
  public var ratio: Double
  /// The lower end of the 95 % interval.
  public var low: Double
  /// The upper end of the 95 % interval.
  public var high: Double

  /// How many resamples the interval rests on. At 2,000 the 2.5th and 97.5th percentiles move by well under 1 %
  /// between seeds for a few hundred samples, and the whole computation takes milliseconds.
  public static let resamples = 2_000

  /// The ratio and its interval; `nil` when either sample is empty or the denominator's median is not positive.
  public init?(numerator: [Double], denominator: [Double], seed: UInt64 = 0x5EED_0014) {
    guard let top = SampleStatistics.median(numerator), let bottom = SampleStatistics.median(denominator),
      bottom > 0
    else { return nil }
    ratio = top / bottom
    var generator = SplitMix64(seed: seed)
    let sortedTop = numerator.sorted()
    let sortedBottom = denominator.sorted()
    var ratios: [Double] = []
    ratios.reserveCapacity(Self.resamples)
    var counts: [Int] = []
    for _ in 0..<Self.resamples {
      let resampledTop = Self.resampledMedian(of: sortedTop, counts: &counts, using: &generator)
      let resampledBottom = Self.resampledMedian(of: sortedBottom, counts: &counts, using: &generator)
      // A resample whose median is zero has no ratio; leaving it out keeps the interval finite.
      if resampledBottom > 0 { ratios.append(resampledTop / resampledBottom) }
    }
    ratios.sort()
    low = SampleStatistics.percentile(2.5, sorted: ratios) ?? ratio
    high = SampleStatistics.percentile(97.5, sorted: ratios) ?? ratio
  }

  /// The median of `sorted.count` values drawn from `sorted` uniformly with replacement. The draws are counted per
  /// position rather than sorted: since `sorted` is in order, walking the counts finds the middle ranks in linear
  /// time (`counts` is scratch space, reused between calls).
  private static func resampledMedian(
    of sorted: [Double], counts: inout [Int], using generator: inout SplitMix64
  ) -> Double {
    counts.removeAll(keepingCapacity: true)
    counts.append(contentsOf: repeatElement(0, count: sorted.count))
    for _ in sorted.indices { counts[Int.random(in: 0..<sorted.count, using: &generator)] += 1 }
    // The middle ranks (0-based): equal for an odd count, neighbours for an even one.
    let lowerRank = (sorted.count - 1) / 2
    let upperRank = sorted.count / 2
    var seen = 0
    var lower: Double?
    for (position, count) in counts.enumerated() where count > 0 {
      seen += count
      if lower == nil, seen > lowerRank { lower = sorted[position] }
      if seen > upperRank { return (lower! + sorted[position]) / 2 }
    }
    preconditionFailure("the counts add up to the sample's size")
  }
}
