import Testing
import XenResumeSoak

@Suite struct SoakTests {
  @Test func fixedSeedSoak() async {
    let report = await Soak(seed: 1).run(steps: 20_000)
    print(report.summary)
    for finding in report.findings { print(finding.swiftTest) }
    #expect(report.violations == 0)
  }
}
