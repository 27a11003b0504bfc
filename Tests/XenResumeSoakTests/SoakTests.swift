import SystemPackage
import Testing
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

@testable import XenResumeSoak

/// The soak itself: its fixed-seed run for CI, and that its checks, its generator and its shrinker do what they
/// claim (a soak whose invariants cannot fire would pass whatever the library does).
@Suite struct SoakTests {
  /// CI's soak: a fixed seed, about a minute of the test run. A violation prints the shrunk sequence as a test.
  @Test func aFixedSeedSoakBreaksNoPromise() async {
    let report = await Soak(seed: 1).run(steps: 40_000)
    for finding in report.findings { print(finding.swiftTest) }
    #expect(report.violations == 0, "\(report.summary)")
    #expect(report.steps >= 40_000)
  }

  @Test func oneSeedGivesTheSameSequencesEveryTime() {
    var first = SoakGenerator(seed: 99)
    var second = SoakGenerator(seed: 99)
    var other = SoakGenerator(seed: 100)
    let a = (0..<20).map { _ in first.sequence(steps: 30) }
    let b = (0..<20).map { _ in second.sequence(steps: 30) }
    let c = (0..<20).map { _ in other.sequence(steps: 30) }
    #expect(a == b)
    #expect(a != c)
    // Every kind of step is generated, so no part of the library is left out.
    let steps = a.flatMap { $0 }.flatMap { step -> [SoakStep] in
      if case .together(let first, let second) = step { return [step, first, second] }
      return [step]
    }
    let kinds = Set(steps.map(\.kind))
    #expect(kinds == Set(SoakStep.Kind.allCases), "missing: \(Set(SoakStep.Kind.allCases).subtracting(kinds))")
  }

  // MARK: The checks fire

  @Test func aRequestLeftInXenStoreIsAViolation() throws {
    let world = SoakWorld()
    world.create(.pv(behaviour: .ignoresSuspendRequest), delays: .immediate)
    #expect(world.checkBetweenSteps(index: 1).isEmpty)
    try world.host.write(XenStorePath.controlShutdown(of: world.slots[0].domain), value: "suspend")
    #expect(world.checkBetweenSteps(index: 2).map(\.invariant) == [.requestLeftInXenStore])
  }

  @Test func aHarmedGuestIsAViolationUnlessSomethingElseBrokeIt() throws {
    let world = SoakWorld()
    world.create(.pv(), delays: .immediate)
    world.create(.pv(behaviour: .crashesOnSuspend), delays: .immediate)
    // A vcpu reset under a running guest breaks it: nothing but a toolstack does that.
    try world.host.resetVCPU(of: world.slots[0].domain, vcpu: 0)
    // The crashing guest breaks itself.
    try world.host.write(XenStorePath.controlShutdown(of: world.slots[1].domain), value: "suspend")
    #expect(!world.host.observations(of: world.slots[1].domain).isHealthy)
    let violations = world.checkBetweenSteps(index: 1)
    #expect(violations.map(\.invariant) == [.guestHarmed])
    #expect(violations.first?.detail.contains("domain \(world.slots[0].domain)") == true)
  }

  @Test func whatAControllerLeavesBehindIsAViolation() async throws {
    let world = SoakWorld()
    world.create(.pv(suspendEventChannel: true, kernel: .xenLinuxClassic), delays: .immediate)
    let domain = world.slots[0].domain
    // Held by the host itself, as a leaking controller would: a port, a watch, a lock, a transaction.
    let advertised = try #require(world.host.observations(of: domain).advertisedSuspendPort)
    _ = try world.host.bindInterdomainEventChannel(to: domain, remotePort: advertised)
    _ = try world.host.watch("@releaseDomain")
    try world.host.acquireSuspendLock(for: domain)
    _ = try world.host.startTransaction()
    let violations = await world.checkReleased(index: 1)
    #expect(violations.map(\.invariant) == [.resourceLeaked])
    let detail = violations.first?.detail ?? ""
    for leftover in ["1 watch", "1 bound port", "1 transaction", "suspend lock"] {
      #expect(detail.contains(leftover), "\(detail)")
    }
  }

  @Test func aCleanSequenceEndsWithNothingLeftBehind() async {
    let violation = await SoakSequence([
      .create(.pv(suspendEventChannel: true, kernel: .xenLinuxClassic), delays: .immediate),
      .create(.pvhvm(), delays: GuestReactionDelays(acknowledgement: .seconds(1))),
      .checkpoint(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .long, body: .returns),
      .checkpoint(SoakTarget(controller: 1, slot: 1), path: nil, timeout: .long, body: .takesLong),
      .suspend(SoakTarget(controller: 0, slot: 1), path: nil, timeout: .long, cancelAtCall: nil),
      .resume(SoakTarget(controller: 0, slot: 1), mode: .fast, confirmed: false, cancelAtCall: nil),
    ]).run()
    #expect(violation == nil, "\(violation.map(String.init(describing:)) ?? "")")
  }

  @Test func aTimeoutEndsWithinItsBoundOnTheSoaksClock() async {
    // A guest that never answers: the wait ends at the timeout, then the grace period, and not later.
    let world = SoakWorld()
    world.create(.pvh(behaviour: .ignoresSuspendRequest), delays: .immediate)
    let step = SoakStep.suspend(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .short, cancelAtCall: nil)
    let outcomes = await world.perform([step], index: 1)
    let outcome = try? #require(try? outcomes.get().first)
    #expect(outcome?.elapsed ?? .zero >= SoakTimeout.short.duration)
    #expect(outcome?.elapsed ?? .seconds(1000) <= SoakTimeout.short.duration + SoakWorld.suspendOverrun)
    guard case .timedOut(_, .acknowledgement, _, .running)? = outcome?.error as? SuspendResumeError else {
      Issue.record("expected an acknowledgement timeout, got \(String(describing: outcome?.error))")
      return
    }
  }

  // MARK: Shrinking and reproductions

  @Test func waitsThatStayAsTheyAreWhileTheDriverKeepsLookingAreHung() async {
    // Nothing under way and a flag nobody sets: the waits never change, and the driver looks often.
    var driver = SoakWorld().driver
    driver.limits = .init(unchanged: .milliseconds(100), unchangedLooks: 50, busy: .seconds(60))
    let start = ContinuousClock.now
    #expect(await driver.run(until: [FinishedFlag()]) == .waitsUnchanged)
    #expect(start.duration(to: .now) >= .milliseconds(100))
  }

  @Test func aDriverThatHasNotLookedOftenEnoughDoesNotCallTheWaitsHung() async {
    // As in a process starved of CPU: the looks never add up, so only the busy limit ends the run.
    var driver = SoakWorld().driver
    driver.limits = .init(unchanged: .milliseconds(20), unchangedLooks: .max, busy: .milliseconds(300))
    let start = ContinuousClock.now
    #expect(await driver.run(until: [FinishedFlag()]) == .busy)
    #expect(start.duration(to: .now) >= .milliseconds(300))
  }

  @Test func theShrinkerFindsTheStepsThatMatter() async throws {
    // A planted defect: "fails" whenever a forget of slot 1 follows a checkpoint of slot 1 by controller 1.
    let planted: @Sendable (SoakSequence) async -> SoakViolation? = { sequence in
      let steps = sequence.steps
      guard
        let checkpoint = steps.firstIndex(where: {
          if case .checkpoint(SoakTarget(controller: 1, slot: 1), _, _, _) = $0 { return true }
          return false
        }),
        steps[checkpoint...].contains(where: {
          if case .forget(let target) = $0 { return target.slot == 1 }
          return false
        })
      else { return nil }
      return SoakViolation(.resourceLeaked, "planted", step: steps.count)
    }
    var generator = SoakGenerator(seed: 5)
    // Noise: random steps, without guests of their own, checkpoints by controller 1 or forgets of slot 1.
    let noise = generator.sequence(steps: 60).filter {
      switch $0 {
      case .create, .checkpoint(SoakTarget(controller: 1, slot: 1), _, _, _): return false
      case .forget(let target): return target.slot != 1
      default: return true
      }
    }
    let sequence = SoakSequence(
      [.create(.pv(), delays: .immediate), .create(.pvh(), delays: .immediate)] + noise.prefix(20)
        + [.checkpoint(SoakTarget(controller: 1, slot: 1), path: nil, timeout: .long, body: .returns)]
        + noise.suffix(20) + [.forget(SoakTarget(controller: 0, slot: 1))])
    #expect(await planted(sequence) != nil)
    let shrinker = SoakShrinker(run: planted)
    let (shrunk, _) = try #require(await shrinker.shrink(sequence, violating: .resourceLeaked))
    #expect(
      shrunk.steps == [
        .checkpoint(SoakTarget(controller: 1, slot: 1), path: nil, timeout: .long, body: .returns),
        .forget(SoakTarget(controller: 0, slot: 1)),
      ])
  }

  @Test func aFindingPrintsAsATestToPaste() {
    let sequence = SoakSequence([
      .create(
        .pv(width: .bits32, vcpus: 2, behaviour: .acknowledgesByDeletingNode, kernel: .linuxBefore5_16),
        delays: GuestReactionDelays(acknowledgement: .seconds(1))),
      .fault(.endTransaction, onCall: 2, errno: .resourceTemporarilyUnavailable),
      .together(
        .suspend(SoakTarget(controller: 0, slot: 0), path: .xenstoreControl, timeout: .zero, cancelAtCall: 3),
        .checkpoint(SoakTarget(controller: 1, slot: 0), path: nil, timeout: .long, body: .throws)),
      .actor(.shutDown(slot: 0, reason: .crash)),
    ])
    let text = sequence.swiftTest(name: "example", violation: SoakViolation(.hung, "planted", step: 2))
    #expect(text.contains("@Test func example() async {"))
    #expect(
      text.contains(
        ".create(.pv(width: .bits32, vcpus: 2, suspendEventChannel: false, behaviour: .acknowledgesByDeletingNode, "
          + "kernel: GuestKernel(rawValue: \"linux-before-5.16\")!, p2m: .tree), delays: GuestReactionDelays("
          + "acknowledgement: .milliseconds(1000), suspension: .milliseconds(0))),"))
    #expect(
      text.contains(
        ".fault(XenHostOperation(rawValue: \"xs_transaction_end\")!, onCall: 2, errno: Errno(rawValue: 11)),"))
    #expect(text.contains("body: .`throws`"))
    #expect(text.contains(".actor(.shutDown(slot: 0, reason: ShutdownReason(rawValue: 3)!)),"))
  }

  /// The long run's one finding, the soak's own: the checkpoint of a second controller failed before it touched
  /// anything while the first controller's suspend of the same domain succeeded, and the failed one was blamed for
  /// the suspend.
  @Test func aFailedOperationBesideASuccessfulSuspendOfItsDomainIsNotBlamedForIt() async {
    let violation = await SoakSequence([
      .create(
        .pv(vcpus: 3, suspendEventChannel: true, kernel: .xenLinuxClassic),
        delays: GuestReactionDelays(acknowledgement: .seconds(1))),
      .suspend(SoakTarget(controller: 0, slot: 0), path: .hypervisorShutdown, timeout: .long, cancelAtCall: nil),
      .fault(.toolstackDomain, onCall: 1, errno: .invalidArgument),
      .together(
        .suspend(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .long, cancelAtCall: nil),
        .checkpoint(SoakTarget(controller: 1, slot: 0), path: nil, timeout: .long, body: .cancels)),
    ]).run()
    #expect(violation == nil, "\(violation.map(String.init(describing:)) ?? "")")
  }
}
