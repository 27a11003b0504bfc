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
    /// What the pump sleeps for. Set under the same lock pass that found the earliest deadline, so a wait that
    /// parks an earlier one always finds the sleep it must interrupt.
    var armed: (until: Duration, sleeper: Task<Void, any Error>)?
    var stopped = false
  }

  /// What a wait that parked must do once the lock is released.
  private struct Wake: Sendable {
    var idlePump: Waiter<Void>?
    var interrupted: Task<Void, any Error>?
  }

  private enum PumpStep: Sendable {
    case sleep(Task<Void, any Error>)
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
      if let armed = state.armed, armed.until > deadline {
        wake.interrupted = armed.sleeper
        state.armed = nil
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
        state.armed = nil
        if state.stopped { return .stop }
        state.waiters.takeAll(where: { $0 <= now }, resumingWith: .success(()), into: &expired)
        guard let next = state.waiters.keys.min() else { return .idle }
        let sleeper = Task { try await clock.sleep(until: next) }
        state.armed = (next, sleeper)
        return .sleep(sleeper)
      }
      switch step {
      case .stop:
        return
      case .sleep(let sleeper):
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
      defer { state.armed = nil }
      return state.armed?.sleeper
    }
    sleeper?.cancel()
  }
}
