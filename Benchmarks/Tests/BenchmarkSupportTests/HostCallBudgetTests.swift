import BenchmarkSupport
import Testing
import XenResumeCore

@Suite struct HostCallBudgetTests {
  /// Every call of a fast cycle over the null host is in the baseline or is a named state check, and the mean per
  /// cycle stays within the budget's limit.
  @Test(arguments: Scenario.allCases)
  func aFastCycleMakesNoCallBeyondItsBudget(_ scenario: Scenario) async throws {
    let host = NullXenHost()
    let domain = host.createDomain(scenario.nullGuest)
    let count = try await HostCallCount.measure(host, domain: domain, cycles: 50)
    let budget = scenario.hostCallBudget
    #expect(budget.excess(over: count.sequence) == [])
    #expect(count.total <= Double(budget.limit))
  }

  /// A call that is neither in the baseline nor named is reported, once per extra call.
  @Test func anUnnamedCallIsReported() {
    let budget = Scenario.pvXenStore.hostCallBudget
    let within = budget.baseline + budget.additions.map(\.operation)
    #expect(budget.excess(over: within) == [])
    #expect(budget.excess(over: within + [.read, .watch]) == [.read, .watch])
    #expect(budget.limit == 14)
  }

  /// The baselines are the figures the pause-time issue starts from: 8 / 9 / 9 / 7 calls.
  @Test func theBaselinesAreTheFirstMeasuredFigures() {
    #expect(Scenario.allCases.map { $0.hostCallBudget.baseline.count } == [8, 9, 9, 7])
  }
}
