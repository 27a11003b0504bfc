import Clocks
import Synchronization
import XenResumeCore
import XenSimulator

/// Runs operations on the soak's `TestClock`, moving the clock a second at a time, and only while everything under
/// way is parked: every timed wait of every controller, the controllers' `@releaseDomain` pumps, the host's
/// waiting tasks, the checkpoint bodies sleeping on the clock, and no guest reaction due. Then nothing but time can
/// move the operations on, so they never see time pass in the middle of their own steps, however loaded the
/// machine, and timeouts of seconds cost microseconds.
struct SoakClockDriver {
  let clock: TestClock<Duration>
  let host: SimulatedXenHost
  let controllers: [SuspendController]
  let bodySleepers: BodySleepers

  /// When operations count as hung.
  var limits = HangLimits()

  /// How far the clock moves at a time.
  static let step: Duration = .seconds(1)

  /// When the driver gives up on operations that do not end, in real time.
  struct HangLimits {
    /// How long the operations' waits may stay as they are, neither finishing nor parking nor waking.
    var unchanged: Duration = .seconds(60)
    /// How many times the driver must have looked, and found nothing changed, within that time. A process starved
    /// of CPU (a loaded machine, threads blocked elsewhere) looks rarely, and its operations are not hung: they have
    /// not run. A lost wake-up or a deadlock leaves the driver looking thousands of times a second at the same waits.
    var unchangedLooks = 2_000
    /// How long operations whose waits keep changing may take (a livelock), or the clock keep moving.
    var busy: Duration = .seconds(600)
  }

  /// How a run of operations ended.
  enum End: Equatable {
    case finished
    /// Their waits stayed as they were for `limits.unchanged` (see `HangLimits.unchangedLooks`).
    case waitsUnchanged
    /// They went on for `limits.busy`.
    case busy
  }

  /// Waits until every flag is set, advancing the clock when everything is parked.
  func run(until finished: [FinishedFlag]) async -> End {
    let real = ContinuousClock()
    let busyLimit = real.now.advanced(by: limits.busy)
    var unchangedSince = real.now
    var unchangedLooks = 0
    var last = reading()
    var idleChecks = 0
    while !finished.allSatisfy(\.isSet) {
      if real.now >= busyLimit { return .busy }
      if everythingParked() {
        await clock.advance(by: Self.step)
        idleChecks = 0
        continue
      }
      // A body's sleep registered once the clock had reached its deadline waits for the clock's next move (the test
      // clock resumes sleeps only as it advances): a move by nothing resumes it without moving time.
      if bodySleepers.sleeping > bodySleepers.parked(at: clock.now) { await clock.advance(by: .zero) }
      let now = reading()
      if now == last {
        unchangedLooks += 1
      } else {
        (last, unchangedSince, unchangedLooks) = (now, real.now, 0)
      }
      if unchangedLooks >= limits.unchangedLooks && unchangedSince.duration(to: real.now) >= limits.unchanged {
        return .waitsUnchanged
      }
      idleChecks += 1
      if idleChecks < 64 {
        await Task.yield()
      } else {
        try? await Task.sleep(for: .microseconds(200))
      }
    }
    return .finished
  }

  /// Two readings of every part that agree, so that they describe one moment (see `ControllerWaitSnapshot`).
  private func everythingParked() -> Bool {
    let first = reading()
    let second = reading()
    guard first == second else { return false }
    let (controllers, host, sleepers, unfinishedSleeps) = first
    // A checkpoint body whose sleep ended but has not run on yet: only it can move the operation on.
    guard host.dueReactions == 0, unfinishedSleeps == sleepers else { return false }
    let racing = controllers.reduce(0) { $0 + $1.timer.racing }
    guard racing + sleepers > 0, controllers.allSatisfy(\.timer.pumpAsleepInTime) else { return false }
    let running = controllers.reduce(racing) { $0 + $1.hostWaitsBetweenOperations }
    let parked = controllers.reduce(host.parkedTasks) { $0 + $1.timer.parked + $1.monitorParked }
    return running == parked
  }

  /// What every part's waits were doing, for a `hung` violation: whether the clock could not move (something under
  /// way never parked) or nothing woke what had parked.
  func waitsDescription() -> String {
    let (controllers, host, parkedSleeps, sleeps) = reading()
    let parts = controllers.enumerated().map { index, waits in
      "controller \(index): \(waits.timer.racing) racing, \(waits.timer.parked) timed waits parked, pump asleep in "
        + "time \(waits.timer.pumpAsleepInTime), \(waits.monitorParked) monitor waits parked, "
        + "\(waits.hostWaitsBetweenOperations) monitor pumps"
    }
    let rest = [
      "host: \(host.parkedTasks) tasks parked, \(host.dueReactions) reactions due",
      "body sleeps: \(sleeps), \(parkedSleeps) before their deadline", "clock: \(clock.now)",
    ]
    return (parts + rest).joined(separator: "; ")
  }

  private func reading() -> ([ControllerWaitSnapshot], SimulatorWaitSnapshot, Int, Int) {
    (
      controllers.map(\.waitSnapshot), host.waitSnapshot, bodySleepers.parked(at: clock.now),
      bodySleepers.sleeping
    )
  }
}

/// Checkpoint bodies sleeping on the soak's clock (a wait the controllers do not know about).
final class BodySleepers: Sendable {
  private let deadlines = Mutex<[TestClock<Duration>.Instant]>([])

  /// The sleeps whose deadline `now` has not reached: parked. A sleep whose deadline has passed is about to run
  /// again (on a loaded machine, a while later), and the clock must not move on while it has not.
  /// Sleeps under way, whether or not their deadline has passed.
  var sleeping: Int {
    deadlines.withLock { $0.count }
  }

  func parked(at now: TestClock<Duration>.Instant) -> Int {
    deadlines.withLock { $0.count { $0 > now } }
  }

  /// Sleeps on `clock`, counted. The deadline is fixed before the sleep counts as parked: the driver may move the
  /// clock before the sleep is registered on it, and that must not make the sleep longer.
  func sleep(for duration: Duration, on clock: TestClock<Duration>) async throws {
    let deadline = clock.now.advanced(by: duration)
    deadlines.withLock { $0.append(deadline) }
    defer {
      deadlines.withLock { list in
        if let index = list.firstIndex(of: deadline) { list.remove(at: index) }
      }
    }
    try await clock.sleep(until: deadline)
  }
}

/// Set once when an operation's task ends.
final class FinishedFlag: Sendable {
  private let flag = Atomic<Bool>(false)

  var isSet: Bool { flag.load(ordering: .acquiring) }

  func set() { flag.store(true, ordering: .releasing) }
}
