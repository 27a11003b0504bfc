import BenchmarkSupport
import Testing
import XenHostConformance
import XenResumeCore

/// The benchmarks' instant host keeps the same rules as the simulator and real Xen: `XenHostConformance`'s suite
/// passes over it, every check passing or skipped for a stated reason.
@Suite struct NullConformanceTests {
  @Test func everyCheckPassesOrIsSkippedForAStatedReason() async throws {
    let host = NullXenHost()
    let kinds: [NullXenHost.Guest] = [
      .pv(width: .bits64), .pv(width: .bits32), .pvh(), .pvhvm(), .hvm(), .pv(suspendEventChannel: true),
    ]
    let guests = kinds.map { ConformanceGuest(domain: host.createDomain($0), type: $0.type) }
    let withChannel = guests[guests.count - 1]
    let suite = ConformanceSuite(
      host: host, guests: guests,
      // Guests answer within the call, so an event that must not come would already be queued.
      settings: ConformanceSettings(timeout: .seconds(2), quietPeriod: .milliseconds(20)), clock: ContinuousClock())
    let results = await suite.run()

    let failed = results.filter { $0.outcome == .failed }
    #expect(failed.isEmpty, "failed checks:\n\(failed.map(\.description).joined(separator: "\n"))")
    for result in results where result.outcome == .skipped {
      if result.check == "domains.soft-reset-needs-suspended-domain" {
        // Never made on a PV domain: Xen would crash it.
        #expect(guests.first { $0.domain == result.domain }?.type == .pv, "\(result)")
        continue
      }
      #expect(result.check == "event-channels.suspend-subscription-signals-bound-port", "\(result)")
      #expect(result.domain != withChannel.domain, "\(result)")
    }
    #expect(results.count == ConformanceSuite.allChecks.reduce(0) { $0 + ($1.isPerGuest ? guests.count : 1) })

    // Left as found: running, and every resume the kind its stop called for (never as a new domain).
    for guest in guests {
      #expect(host.state(of: guest.domain) == .running, "\(guest)")
      #expect(host.resumes(of: guest.domain).asNewDomain == 0, "\(guest)")
    }
  }
}
