import Testing
import XenResumeCore
import XenResumeLifecycle
import XenSimulator

/// The lifecycle scenarios over the simulator, with a simulated other toolstack: the same code the real-Xen harness
/// runs in dom0.
@Suite struct LifecycleScenarioTests {
  @Test func domainReuseIsCheckpointedAgainWithTheGuestAlive() async throws {
    let fixture = LifecycleFixture()
    let pv = fixture.guests[0]
    let results = await fixture.run([.domainReuse]).run()
    #expect(results.not(.passed).isEmpty, "\(results.not(.passed))")
    #expect(results.steps(of: .domainReuse, on: pv) == ["checkpoint-before", "replace", "checkpoint-after"])
    // Only the PV guest is saved and restored.
    #expect(Set(results.map(\.guest)) == [pv])
    let replace = try #require(results.first { $0.step == "replace" })
    let facts = JSONValue.object(replace.facts)
    // The simulator's cpu_time advances per call, not per second, so only the handle tells the new domain here.
    #expect(facts["sameHandle"] == .bool(false), "the simulator gives each new domain its own handle")
    let seen = fixture.simulator.observations(of: pv.domain)
    #expect(seen.isHealthy, "\(seen.failure ?? "")")
  }

  @Test func eventChannelThenXenStoreRunsWhereThereIsAChannelAndSkipsWithTheReasonElsewhere() async throws {
    let fixture = LifecycleFixture()
    let results = await fixture.run([.eventChannelThenXenStore], guests: fixture.guests + [fixture.classic]).run()
    #expect(
      results.steps(of: .eventChannelThenXenStore, on: fixture.classic) == [
        "plan", "event-channel", "xenstore", "forget-then-other",
      ])
    let classic = results.filter { $0.guest == fixture.classic }
    #expect(classic.first { $0.step == "event-channel" }?.outcome == .passed, "\(classic.not(.passed))")
    // The controller withdraws its own subscription from the event channel cycle before the forced xenstore
    // suspend, which would otherwise wait for a silenced @releaseDomain.
    #expect(classic.not(.passed).isEmpty, "\(classic.not(.passed))")
    // Linux guests advertise no channel: one skipped plan step each, with the reason the real-Xen judge accepts.
    for guest in fixture.guests where guest.type.isPVAware {
      let steps = results.filter { $0.guest == guest }
      #expect(steps.map(\.step) == ["plan"])
      #expect(steps.first?.outcome == .skipped)
      #expect(steps.first?.detail.contains("advertises no suspend event channel") == true, "\(steps)")
    }
    #expect(!results.contains { $0.guest.type == .hvm }, "no xenstore path to force on a pure HVM guest")
  }

  @Test func theOtherToolstacksForcedSuspendMustBeRefused() async throws {
    let fixture = LifecycleFixture()
    let results = await fixture.run([.foreignSuspend]).run()
    for guest in fixture.guests {
      // The steps before the controller is asked do not depend on the library fix.
      for step in ["cycle-1", "cycle-2", "other-suspends"] {
        #expect(
          results.first { $0.guest == guest && $0.step == step }?.outcome == .passed,
          "\(guest) \(step): \(results.not(.passed))")
      }
    }
    // The controller refuses both and touches nothing: no register is written into a guest stopped outside its
    // hypercall, which the simulated guest would remember.
    #expect(results.not(.passed).isEmpty, "\(results.not(.passed))")
    for guest in fixture.guests {
      let seen = fixture.simulator.observations(of: guest.domain)
      #expect(seen.isHealthy, "\(guest): \(seen.failure ?? "")")
    }
    // Whatever the controller did, every guest ends running: the other toolstack resumes its own suspend.
    for guest in fixture.guests {
      #expect(DomainState(try fixture.simulator.domainInfo(guest.domain)) == .running, "\(guest)")
    }
  }

  @Test func aLeftoverSubscriptionMustNotHoldUpTheXenStoreSuspend() async throws {
    let fixture = LifecycleFixture()
    // As in a daemon (and the real-Xen run, where foreign-suspend comes first), the controller has cycled its
    // guests before: its @releaseDomain watch is registered, and its registration event cannot stand in for the
    // silenced one.
    let controller = SuspendController(host: fixture.simulator)
    for guest in fixture.guests where guest.type.isPVAware {
      _ = try await controller.suspend(guest.domain, timeout: .seconds(5))
      try await controller.resume(guest.domain, mode: .fast)
    }
    let results = await fixture.run([.leftoverSubscription], controller: controller).run()
    for guest in fixture.guests where guest.type.isPVAware {
      #expect(
        results.steps(of: .leftoverSubscription, on: guest) == [
          "other-subscribes", "suspend", "other-unsubscribes", "cycle-after",
        ])
    }
    // The controller clears the leftover subscription under the suspend lock before it waits for @releaseDomain.
    #expect(results.not(.passed).isEmpty, "\(results.not(.passed))")
    // Cleared afterwards, so the rest of a run still gets @releaseDomain for these guests.
    #expect(results.filter { $0.step == "cycle-after" }.not(.passed).isEmpty, "\(results.not(.passed))")
  }
}
