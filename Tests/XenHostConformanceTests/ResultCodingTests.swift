import Foundation
import Testing
import XenHostConformance
import XenResumeCore

/// The JSON shape is an interface: the real-Xen harness parses it line by line.
@Suite struct ResultCodingTests {
  @Test func hostWideResultsCarryExplicitNulls() throws {
    let result = ConformanceResult(
      check: "xenstore.missing-node", guest: nil, domain: nil, outcome: .passed, detail: "ok", milliseconds: 3)
    let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(result)) as? [String: Any]
    #expect(object?.keys.sorted() == ["check", "detail", "domain", "guest", "milliseconds", "outcome"])
    #expect(object?["guest"] is NSNull)
    #expect(object?["domain"] is NSNull)
    #expect(object?["outcome"] as? String == "passed")
  }

  @Test func perGuestResultsRoundTrip() throws {
    let result = ConformanceResult(
      check: "vcpus.context-round-trip", guest: .pvhvm, domain: 4, outcome: .skipped, detail: "why", milliseconds: 0)
    let data = try JSONEncoder().encode(result)
    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    #expect(object?["guest"] as? String == "pvhvm")
    #expect(object?["domain"] as? Int == 4)
    #expect(try JSONDecoder().decode(ConformanceResult.self, from: data) == result)
  }

  @Test func summaryCountsOutcomes() throws {
    let results = [ConformanceResult.Outcome.passed, .passed, .failed, .skipped].map {
      ConformanceResult(check: "c", guest: nil, domain: nil, outcome: $0, detail: "", milliseconds: 0)
    }
    let encoded = String(decoding: try JSONEncoder().encode(ConformanceSummary(results)), as: UTF8.self)
    let object = try JSONSerialization.jsonObject(with: Data(encoded.utf8)) as? [String: [String: Int]]
    #expect(object == ["summary": ["passed": 2, "failed": 1, "skipped": 1]])
  }

  @Test func guestArgumentsParse() {
    #expect(ConformanceGuest(argument: "7:pvh") == ConformanceGuest(domain: 7, type: .pvh))
    #expect(ConformanceGuest(argument: "7:PV") == ConformanceGuest(domain: 7, type: .pv))
    for bad in ["7", "x:pv", "7:pv:1", "7:xen", ":pv", "7:"] {
      #expect(ConformanceGuest(argument: bad) == nil, "\(bad)")
    }
  }
}
