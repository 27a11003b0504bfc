import Logging
import Synchronization

/// One `@releaseDomain` watch shared by every suspend a controller waits for.
///
/// xenstored fires `@releaseDomain` when any domain shuts down; a watcher must re-read its domain's state. A
/// shared watch costs one registration per controller instead of a watch and an unwatch per suspend. Waiters
/// take a generation number before reading domain info and wait for a later one, so no event is missed between
/// the read and the wait. The pump task keeps the monitor alive until `stop()`, which the controller calls when
/// it goes away.
final class ReleaseDomainMonitor: Sendable {
  private struct State {
    var watch: XenStoreWatchID?
    var pump: Task<Void, Never>?
    var generation: UInt64 = 0
    var waiters = WaiterQueue<Void>()
    var stopped = false
    /// Why the last watch failed, and the generation it failed at: a waiter that took that generation but had not
    /// parked yet gets the same error as the parked ones, instead of registering anew, so what a suspend reports
    /// does not depend on how far it had got when the watch failed. Cleared when a new watch is installed.
    var failure: (error: any Error, generation: UInt64)?
    /// Changes to the parked waiters and to the pump (see `waitSnapshot`).
    var changes: UInt64 = 0
    /// How many watches have been installed: a new one means the last one failed (its connection was lost).
    var registrations: UInt64 = 0
  }

  private let host: any XenHost
  private let logger: Logger
  private let state = Mutex(State())

  init(host: any XenHost, logger: Logger) {
    self.host = host
    self.logger = logger
  }

  /// Registers the watch on first use (again after a failure) and returns the current generation.
  func currentGeneration() throws -> UInt64 {
    let (generation, needsWatch) = state.withLock { ($0.generation, $0.watch == nil) }
    guard needsWatch else { return generation }
    let watch = try host.watch(XenStorePath.releaseDomain)
    // The pump starts under the same lock as the watch is installed, so a `stop()` finds both or neither.
    let installed = state.withLock { state -> Bool in
      guard state.watch == nil, !state.stopped else { return false }
      state.watch = watch
      state.registrations &+= 1
      state.failure = nil
      state.pump = Task.detached { await self.pump(watch) }
      state.changes &+= 1
      return true
    }
    guard installed else {
      unwatchQuietly(watch)
      return state.withLock { $0.generation }
    }
    return generation
  }

  /// Which registration of the watch is current, registering it first if it is not (again after a failure). Other
  /// watches made beside one registration live on its connection; a later registration means that connection, and
  /// the watches on it, may be gone.
  func registration() throws -> UInt64 {
    _ = try currentGeneration()
    return state.withLock { $0.registrations }
  }

  private func pump(_ watch: XenStoreWatchID) async {
    while true {
      do {
        _ = try await host.nextWatchEvent(watch)
        state.deliver { (state, woken: inout Resumptions<Void>) in
          state.generation &+= 1
          state.waiters.takeAll(resumingWith: .success(()), into: &woken)
          state.changes &+= 1
        }
      } catch {
        // The watch is unusable (its xenstored connection may be gone: ECONNRESET): wake every waiter with the
        // error and let the next suspend register a new one, which a reconnecting backend serves on its new
        // connection.
        state.deliver { (state, woken: inout Resumptions<Void>) in
          if state.watch == watch {
            state.watch = nil
            state.pump = nil
            state.failure = (error, state.generation)
          }
          state.waiters.takeAll(resumingWith: .failure(error), into: &woken)
          state.changes &+= 1
        }
        if !(error is CancellationError) { unwatchQuietly(watch) }
        return
      }
    }
  }

  /// What the monitor's waits are doing, read in one lock pass: its part of `SuspendController.waitSnapshot`.
  var waitSnapshot: (parked: Int, pumps: Int, changes: UInt64) {
    state.withLock { ($0.waiters.count, $0.pump == nil ? 0 : 1, $0.changes) }
  }

  /// Waits until an event newer than `generation` arrives; cancellation-aware.
  func waitForChange(after generation: UInt64) async throws {
    try await state.wait(for: ChangeWait(generation: generation))
  }

  /// A wait for a generation later than the one the waiter read.
  private struct ChangeWait: ParkableWait {
    let generation: UInt64

    func ready(_ state: inout State) throws -> Void? {
      if state.generation > generation { return () }
      // The watch failed after this waiter took its generation: it fails as the parked waiters did.
      if state.watch == nil, let failure = state.failure, failure.generation == generation { throw failure.error }
      // The watch failed earlier and was dropped: return at once so the caller re-reads its domain and registers
      // anew.
      if state.watch == nil { return () }
      return nil
    }

    func park(_ waiter: Waiter<Void>, in state: inout State) {
      state.waiters.park(waiter)
      state.changes &+= 1
    }

    func unpark(_ ticket: WaiterTicket, from state: inout State) -> Waiter<Void>? {
      state.changes &+= 1
      return state.waiters.remove(ticket)
    }
  }

  /// Stops the pump and removes the watch; waiters get `CancellationError`.
  func stop() {
    let (pump, watch) = state.withLock { state in
      state.stopped = true
      state.changes &+= 1
      defer {
        state.pump = nil
        state.watch = nil
      }
      return (state.pump, state.watch)
    }
    pump?.cancel()
    if let watch { unwatchQuietly(watch) }
  }

  /// Removes a watch this monitor gives up, logging a failure (a watch already gone with its connection is no
  /// failure; nothing else can be done about one).
  private func unwatchQuietly(_ watch: XenStoreWatchID) {
    do {
      try host.unwatch(watch)
    } catch let error as XenCallError where error.errno == .noSuchFileOrDirectory {
      // Already gone.
    } catch {
      logger.warning("could not remove the @releaseDomain watch", metadata: ["error": "\(error)"])
    }
  }
}
