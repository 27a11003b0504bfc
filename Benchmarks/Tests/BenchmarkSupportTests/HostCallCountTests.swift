import BenchmarkSupport
import Testing

@Suite struct HostCallCountTests {
  /// The benchmarks' host calls per cycle round to the nearest whole call, so a pump read that lands one cycle late
  /// does not move the figure, and a real extra call per cycle does.
  @Test func callsPerCycleRoundToTheNearestWholeCall() {
    #expect(HostCallCount.rounded(8_000, over: 1_000) == 8)
    #expect(HostCallCount.rounded(8_001, over: 1_000) == 8)
    #expect(HostCallCount.rounded(8_499, over: 1_000) == 8)
    #expect(HostCallCount.rounded(8_500, over: 1_000) == 9)
    #expect(HostCallCount.rounded(9_000, over: 1_000) == 9)
    #expect(HostCallCount.rounded(2_613, over: 200) == 13)
  }
}
