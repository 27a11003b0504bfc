import Synchronization

/// One timer for many timed waits on a controller clock: the deadline half of the waiting primitive.
///
/// A wait that ends before its deadline must leave nothing behind. A `clock.sleep(until:)` that is cancelled keeps
/// its timer, and the sleeping task with it, queued until the deadline: with a 60 s timeout and checkpoints many
/// times a second that is memory held for a minute per wait (measured: about 750 bytes per raced wait, see
/// Benchmarks/README.md, finding 1). Here a timed wait parks a waiter in a table keyed by its deadline instead,
/// which its cancellation empties at once, and a single pump task sleeps until the earliest deadline in the table
/// and resumes the waiters whose time has come. The pump re-arms its sleep only when a deadline earlier than the
/// one it sleeps for arrives, which with one timeout per controller is the exception (a grace period after a
/// timeout).
package final class DeadlineTimer: Sendable {
  private struct State {
    var waiters = WaiterTable<Duration, Void>()
    /// Started by the first timed wait; ends once `stop()` was called.
    var pump: Task<Void, Never>?
    /// The pump itself, while no timed wait is parked.
    var idlePump = WaiterQueue<Void>()
    /// What the pump is about to sleep for: set under the same lock pass that found the earliest deadline, so a
    /// wait that parks an earlier one always finds the sleep it must interrupt (by clearing this).
    var arming: Duration?
    /// What the pump sleeps for, once its sleep is registered on the clock.
    var armed: (until: Duration, sleeper: Task<Void, any Error>)?
    var stopped = false
    /// Waits taking part in a `Deadline` race now, this timer's own sleeps included (see `waitSnapshot`).
    var racing = 0
    /// Changes to `racing` and to the pump's sleep; the waiter table counts its own.
    var ownChanges: UInt64 = 0
  }

  /// What a wait that parked must do once the lock is released.
  private struct Wake: Sendable {
    var idlePump: Waiter<Void>?
    var interrupted: Task<Void, any Error>?
  }

  private enum PumpStep: Sendable {
    case sleep(until: Duration)
    case idle
    case stop
  }

  private let clock: any ControllerClock
  private let state = Mutex(State())

  /// A timer on `clock`; its pump starts with the first wait that has to park.
  package init(clock: any ControllerClock) {
    self.clock = clock
  }

  /// Timed waits parked now.
  package var waiterCount: Int {
    state.withLock { $0.waiters.count }
  }

  /// The deadline the pump's sleep ends at, `nil` while it does not sleep.
  package var armedDeadline: Duration? {
    state.withLock { $0.armed?.until }
  }

  /// What this timer's waits are doing, read in one lock pass: the timer's part of
  /// `SuspendController.waitSnapshot`.
  package var waitSnapshot: TimedWaitSnapshot {
    let now = clock.elapsed()
    return state.withLock { state in
      // The pump may sleep for an earlier deadline whose wait has gone: it wakes then and re-arms.
      let pumpAsleep = state.waiters.keys.min().map { earliest in
        state.armed.map { $0.until > now && $0.until <= earliest } ?? false
      }
      return TimedWaitSnapshot(
        racing: state.racing, parked: state.waiters.count, pumpAsleepInTime: pumpAsleep ?? true,
        changes: state.waiters.changes &+ state.ownChanges)
    }
  }

  /// Counts `sides` waits (the timer's own among them) as racing until `endRace(sides:)`.
  func beginRace(sides: Int) {
    state.withLock { state in
      state.racing += sides
      state.ownChanges &+= 1
    }
  }

  /// Ends what `beginRace(sides:)` began, once every wait of the race has returned.
  func endRace(sides: Int) {
    state.withLock { state in
      state.racing -= sides
      state.ownChanges &+= 1
    }
  }

  /// Returns once `clock.elapsed()` has reached `deadline`; throws `CancellationError` at once when cancelled, and
  /// when the timer is stopped.
  package func sleep(until deadline: Duration) async throws {
    if clock.elapsed() >= deadline { return }
    try await state.wait(for: TimedWait(timer: self, deadline: deadline))
  }

  /// A timed wait: parked under its deadline, waking or re-arming the pump when it has to.
  private struct TimedWait: ParkableWait {
    let timer: DeadlineTimer
    let deadline: Duration

    func ready(_ state: inout State) throws -> Void? {
      if state.stopped { throw CancellationError() }
      return nil
    }

    func park(_ waiter: Waiter<Void>, in state: inout State) -> Wake {
      state.waiters.park(waiter, under: deadline)
      if state.pump == nil {
        let timer = timer
        state.pump = Task.detached { await timer.pump() }
      }
      var wake = Wake(idlePump: state.idlePump.takeFirst())
      if let arming = state.arming, arming > deadline {
        // The pump finds it cleared once its sleep is registered, and cancels that sleep.
        state.arming = nil
      }
      if let armed = state.armed, armed.until > deadline {
        wake.interrupted = armed.sleeper
        state.armed = nil
        state.ownChanges &+= 1
      }
      return wake
    }

    func afterParking(_ wake: Wake) {
      wake.idlePump?.resume(returning: ())
      wake.interrupted?.cancel()
    }

    func unpark(_ ticket: WaiterTicket, from state: inout State) -> Waiter<Void>? {
      state.waiters.remove(ticket, under: deadline)
    }
  }

  /// The pump's own wait while no timed wait is parked; never cancelled (only `stop()` or a parked wait ends it).
  private struct IdlePump: ParkableWait {
    func ready(_ state: inout State) throws -> Void? {
      state.stopped || !state.waiters.isEmpty ? () : nil
    }

    func park(_ waiter: Waiter<Void>, in state: inout State) {
      state.idlePump.park(waiter)
    }

    func unpark(_ ticket: WaiterTicket, from state: inout State) -> Waiter<Void>? {
      state.idlePump.remove(ticket)
    }
  }

  private func pump() async {
    let clock = clock
    while true {
      let now = clock.elapsed()
      let step = state.deliver { (state, expired: inout Resumptions<Void>) -> PumpStep in
        if state.armed != nil { state.ownChanges &+= 1 }
        state.armed = nil
        if state.stopped { return .stop }
        state.waiters.takeAll(where: { $0 <= now }, resumingWith: .success(()), into: &expired)
        guard let next = state.waiters.keys.min() else { return .idle }
        state.arming = next
        return .sleep(until: next)
      }
      switch step {
      case .stop:
        return
      case .sleep(let next):
        // The sleep is registered on the clock before `Task.immediate` returns, and only then is it armed: a test
        // clock advanced to exactly `next` after a later registration would hold the sleep until its next advance,
        // since a sleep until "now" still waits there. Outside the lock, as the clock's code is not ours.
        let sleeper = Task.immediate { try await clock.sleep(until: next) }
        let kept = state.withLock { state -> Bool in
          guard state.arming == next, !state.stopped else { return false }
          state.arming = nil
          state.armed = (next, sleeper)
          state.ownChanges &+= 1
          return true
        }
        // An earlier deadline arrived, or `stop()`, while the sleep was being registered.
        if !kept { sleeper.cancel() }
        _ = await sleeper.result
      case .idle:
        try? await state.wait(for: IdlePump())
      }
    }
  }

  /// Ends the pump; parked waits, and any wait from now on, throw `CancellationError`.
  package func stop() {
    let sleeper = state.deliver { (state, woken: inout Resumptions<Void>) -> Task<Void, any Error>? in
      state.stopped = true
      state.waiters.takeAll(resumingWith: .failure(CancellationError()), into: &woken)
      state.idlePump.takeAll(resumingWith: .success(()), into: &woken)
      state.ownChanges &+= 1
      defer { state.armed = nil }
      return state.armed?.sleeper
    }
    sleeper?.cancel()
  }
}
