import RealXenLab
import XCTest

/// The pause comparison's statistics: nearest-rank percentiles as the C client computes them, and the median ratio's
/// bootstrap interval, which must hold the true ratio for samples drawn around it, exclude 1 when the tools really
/// differ, narrow as samples grow, and come out the same every time for the same samples.
final class MedianRatioTests: XCTestCase {
  func testPercentilesAreNearestRankLikeTheCClients() {
    let values: [Double] = [50, 10, 40, 20, 30]
    XCTAssertEqual(SampleStatistics.percentile(50, of: values), 30)
    XCTAssertEqual(SampleStatistics.percentile(90, of: values), 50)
    XCTAssertEqual(SampleStatistics.percentile(20, of: values), 10)
    XCTAssertEqual(SampleStatistics.percentile(21, of: values), 20)
    XCTAssertEqual(SampleStatistics.percentile(0, of: values), 10)
    XCTAssertNil(SampleStatistics.percentile(50, of: []))
    XCTAssertEqual(SampleStatistics.median([4, 1, 3, 2]), 2.5)
    XCTAssertEqual(SampleStatistics.median([3, 1, 2]), 2)
    XCTAssertNil(SampleStatistics.median([]))
  }

  func testTheIntervalHoldsTheRatioOfTwoSamplesFromOneDistribution() throws {
    let swift = Self.pauses(count: 200, median: 200_000, seed: 1)
    let c = Self.pauses(count: 200, median: 200_000, seed: 2)
    let estimate = try XCTUnwrap(MedianRatio(numerator: swift, denominator: c))
    XCTAssertLessThanOrEqual(estimate.low, estimate.ratio)
    XCTAssertGreaterThanOrEqual(estimate.high, estimate.ratio)
    XCTAssertLessThan(estimate.low, 1, "\(estimate)")
    XCTAssertGreaterThan(estimate.high, 1, "\(estimate)")
  }

  func testATenPercentSlowerToolIsToldApartAtTwoHundredCyclesButNotAtTen() throws {
    let slower = try XCTUnwrap(
      MedianRatio(
        numerator: Self.pauses(count: 200, median: 220_000, seed: 3),
        denominator: Self.pauses(count: 200, median: 200_000, seed: 4)))
    XCTAssertGreaterThan(slower.low, 1, "\(slower)")
    XCTAssertLessThan(slower.low, 1.1, "\(slower)")
    XCTAssertGreaterThan(slower.high, 1.1, "\(slower)")
    let few = try XCTUnwrap(
      MedianRatio(
        numerator: Self.pauses(count: 10, median: 220_000, seed: 3),
        denominator: Self.pauses(count: 10, median: 200_000, seed: 4)))
    XCTAssertLessThan(few.low, 1, "\(few)")
    XCTAssertGreaterThan(few.high - few.low, 2 * (slower.high - slower.low))
  }

  func testTheSameSamplesGiveTheSameIntervalAndAnotherSeedANearOne() throws {
    let swift = Self.pauses(count: 300, median: 180_000, seed: 5)
    let c = Self.pauses(count: 300, median: 200_000, seed: 6)
    let first = try XCTUnwrap(MedianRatio(numerator: swift, denominator: c))
    XCTAssertEqual(MedianRatio(numerator: swift, denominator: c), first)
    let reseeded = try XCTUnwrap(MedianRatio(numerator: swift, denominator: c, seed: 99))
    XCTAssertEqual(reseeded.ratio, first.ratio)
    XCTAssertEqual(reseeded.low, first.low, accuracy: 0.02)
    XCTAssertEqual(reseeded.high, first.high, accuracy: 0.02)
  }

  func testNoRatioWithoutSamplesOrWithAZeroMedian() {
    XCTAssertNil(MedianRatio(numerator: [], denominator: [1, 2]))
    XCTAssertNil(MedianRatio(numerator: [1, 2], denominator: []))
    XCTAssertNil(MedianRatio(numerator: [1, 2], denominator: [0, 0, 5]))
  }

  /// `count` pauses around `median`, skewed right as real pauses are (a log-normal shape), from a fixed seed so the
  /// tests are deterministic.
  private static func pauses(count: Int, median: Double, seed: UInt64) -> [Double] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    func uniform() -> Double {
      // xorshift64*: enough for test data; the type under test has its own generator.
      state ^= state >> 12
      state ^= state << 25
      state ^= state >> 27
      return (Double((state &* 0x2545_F491_4F6C_DD1D) >> 11) + 0.5) / Double(1 << 53)
    }
    return (0..<count).map { _ in
      // Box-Muller: a standard normal, then exp(0.3 z) spreads the pauses by about ±30 %.
      let normal = (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
      return median * exp(0.3 * normal)
    }
  }
}
