import SystemPackage
import Testing
import XenHostConformance
import XenResumeCore
import XenSimulator

/// The suite can fail: a host that breaks one of Xen's rules fails exactly the checks about that rule.
@Suite struct BrokenHostTests {
  @Test(arguments: BrokenXenHost.Breakage.allCases)
  func aBrokenRuleFailsItsChecks(_ breakage: BrokenXenHost.Breakage) async throws {
    let fixture = SimulatedGuests()
    let broken = BrokenXenHost(fixture.host, breaking: breakage)
    let results = await fixture.suite(host: broken, timeout: .milliseconds(500)).run()
    let failedChecks = Set(results.filter { $0.outcome == .failed }.map(\.check))
    #expect(
      failedChecks == breakage.expectedFailures,
      "\(breakage): \(results.filter { $0.outcome == .failed }.map(\.description).joined(separator: "\n"))")
  }

  @Test func aFailedCheckStillResumesTheGuest() async throws {
    let fixture = SimulatedGuests()
    let broken = BrokenXenHost(fixture.host, breaking: .releaseDomainNeverFires)
    _ = await fixture.suite(host: broken, timeout: .milliseconds(500)).run()
    for guest in fixture.guests {
      #expect(try !fixture.host.domainInfo(guest.domain).isShutdown, "\(guest) was left shut down")
      #expect(fixture.host.observations(of: guest.domain).isHealthy, "\(guest)")
    }
  }
}

extension BrokenXenHost.Breakage {
  /// The checks a host with this breakage must fail, and no others.
  var expectedFailures: Set<String> {
    switch self {
    case .resumeOfRunningDomainPausesIt:
      ["domains.resume-of-running-domain-changes-nothing"]
    case .releaseDomainNeverFires:
      [
        "watches.release-domain-fires-on-suspend", "watches.release-domain-rearmed-by-xs-resume",
        "event-channels.suspend-subscription-replaces-release-domain",
      ]
    case .xsResumeDoesNothing:
      // The latch an earlier check's suspend set is never cleared, so every later suspend is silent.
      [
        "watches.release-domain-fires-on-suspend", "watches.release-domain-rearmed-by-xs-resume",
        "event-channels.suspend-subscription-replaces-release-domain",
      ]
    case .transactionsNeverConflict:
      ["xenstore.transaction-conflict-eagain"]
    case .missingDomainIsEINVAL:
      ["domains.missing-domain-is-esrch"]
    }
  }
}
