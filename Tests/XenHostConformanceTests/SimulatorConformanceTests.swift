import Testing
import XenHostConformance
import XenResumeCore
import XenSimulator

/// The simulator keeps every rule of the suite, on every kind of guest, and leaves its guests as it found them.
@Suite struct SimulatorConformanceTests {
  @Test func everyCheckPassesOrIsSkippedForAStatedReason() async throws {
    let fixture = SimulatedGuests()
    let results = await fixture.suite().run()
    let failed = results.filter { $0.outcome == .failed }
    #expect(failed.isEmpty, "failed checks:\n\(failed.map(\.description).joined(separator: "\n"))")

    // Each check ran on the host once or on every guest.
    let expectedCount = ConformanceSuite.allChecks.reduce(0) { $0 + ($1.isPerGuest ? fixture.guests.count : 1) }
    #expect(results.count == expectedCount)

    // The only skips: the bound-port check on guests without a suspend event channel (Linux never advertises one),
    // and the soft-reset check on PV guests (Xen has no soft reset for them).
    let skipped = results.filter { $0.outcome == .skipped }
    let softResetCheck = "domains.soft-reset-needs-suspended-domain"
    for result in skipped where result.check != softResetCheck {
      #expect(result.check == "event-channels.suspend-subscription-signals-bound-port", "\(result)")
      #expect(result.detail.contains("advertises no suspend event channel"), "\(result)")
    }
    let softResetSkips = skipped.filter { $0.check == softResetCheck }
    for result in softResetSkips {
      #expect(fixture.guests.contains { $0.domain == result.domain && $0.type == .pv }, "\(result)")
    }
    #expect(softResetSkips.count == fixture.guests.count { $0.type == .pv })
    #expect(skipped.count - softResetSkips.count == fixture.guests.count - 1)
    #expect(
      results.contains {
        $0.check == "event-channels.suspend-subscription-signals-bound-port" && $0.domain == fixture.classic
          && $0.outcome == .passed
      })
  }

  @Test func guestsAreLeftRunningAndHealthy() async throws {
    let fixture = SimulatedGuests()
    _ = await fixture.suite().run()
    for guest in fixture.guests {
      #expect(try fixture.host.domainInfo(guest.domain).isShutdown == false, "\(guest)")
      let seen = fixture.host.observations(of: guest.domain)
      #expect(seen.isHealthy, "\(guest): \(seen.failure ?? "")")
      // Every resume was the kind the guest was stopped for: never woken as a new domain.
      #expect(seen.resumesAsNewDomain == 0, "\(guest)")
      if guest.type.isPVAware {
        #expect(seen.suspendsCompleted == seen.resumesCancelled, "\(guest): \(seen)")
        #expect(seen.suspendsCompleted >= 2, "\(guest): the suite suspends PV-aware guests cooperatively")
      }
      #expect(seen.resumesUnnoticed >= 5, "\(guest): the forced suspends come back unnoticed")
    }
    #expect(fixture.host.domainIDs().count == fixture.guests.count + 1)
  }

  @Test func theMissingDomainMustBeMissing() async throws {
    let fixture = SimulatedGuests()
    let check = try #require(ConformanceSuite.allChecks.first { $0.name == "domains.missing-domain-is-esrch" })
    let suite = ConformanceSuite(
      host: fixture.host, guests: [], settings: ConformanceSettings(missingDomain: fixture.classic),
      clock: ContinuousClock(), checks: [check])
    let results = await suite.run()
    #expect(results.map(\.outcome) == [.skipped])
  }

  @Test func aGuestThatIsNotRunningIsLeftAlone() async throws {
    let fixture = SimulatedGuests()
    let stopped = try #require(fixture.guests.first)
    try fixture.host.shutdownDomain(stopped.domain, reason: .suspend)
    let results = await fixture.suite(guests: [stopped]).run()
    // Checks that would suspend, resume or subscribe the guest skip it; the ones that only read may still run.
    let disturbing: Set<String> = [
      "domains.resume-of-running-domain-changes-nothing", "vcpus.context-round-trip",
      "watches.release-domain-fires-on-suspend", "watches.release-domain-rearmed-by-xs-resume",
      "event-channels.suspend-subscription-replaces-release-domain",
      "event-channels.suspend-subscription-signals-bound-port",
    ]
    for result in results where result.domain == stopped.domain {
      #expect(result.outcome != .failed, "\(result)")
      if disturbing.contains(result.check) { #expect(result.outcome == .skipped, "\(result)") }
    }
    #expect(try fixture.host.domainInfo(stopped.domain).isSuspended, "the suite resumed a guest it did not suspend")
  }
}

/// A simulator with one guest of each kind the suite must handle, Linux where the kernel matters, and a classic
/// XenLinux guest for the checks that need a suspend event channel.
struct SimulatedGuests {
  let host = SimulatedXenHost()
  let guests: [ConformanceGuest]
  let classic: DomainID

  init() {
    let host = host
    let kinds: [SimulatedGuest] = [
      .pv(width: .bits64, vcpus: 2, kernel: .linux),
      .pv(width: .bits32, vcpus: 2, kernel: .linux),
      .pvh(vcpus: 2, kernel: .linux),
      .pvhvm(vcpus: 2, kernel: .linux),
      .hvm(vcpus: 2),
      .pv(width: .bits32, vcpus: 1, suspendEventChannel: true, kernel: .xenLinuxClassic),
    ]
    guests = kinds.map { ConformanceGuest(domain: host.createDomain($0), type: $0.type) }
    classic = guests[guests.count - 1].domain
  }

  /// The suite over this simulator: guests react at once, so a short quiet period is enough to catch an event
  /// that must not come (it would already be queued), and the timeout is only reached when a rule is broken.
  func suite(
    guests: [ConformanceGuest]? = nil, host: (any XenHost)? = nil, timeout: Duration = .seconds(2)
  ) -> ConformanceSuite {
    ConformanceSuite(
      host: host ?? self.host, guests: guests ?? self.guests,
      settings: ConformanceSettings(timeout: timeout, quietPeriod: .milliseconds(20)), clock: ContinuousClock())
  }
}
