/// One kind of wait on the state behind a lock: when it is ready, where its waiter parks and how a cancelled one is
/// found again. `Mutex.wait(for:)` runs it.
///
/// A wait is a small value (the key, the generation, the deadline it waits for) rather than a set of closures on
/// purpose. The wait's steps are captured by the cancellation handler and by the continuation's body, both of which
/// live in the task's async frames; five closures (16 bytes each, copied into each of those contexts) made a raced
/// timed wait's child task outgrow the first slab of its task allocator, one more `malloc` per wait (measured with
/// the controller's `Deadline.race`: 12 → 13 mallocs). One value of a few words keeps the frames as small as the
/// hand-written waits they replace.
///
/// Every step but `afterParking` runs under the lock, so readiness, parking and unparking are atomic with the
/// deliveries that take waiters out of the same state.
@usableFromInline package protocol ParkableWait<State, Output>: Sendable {
  /// The locked state the wait reads and parks in.
  associatedtype State
  /// What the wait ends with.
  associatedtype Output: Sendable
  /// What parking hands to `afterParking`, outside the lock (a pump to wake, a timer to re-arm).
  associatedtype ParkingEffect: Sendable = Void

  /// The value to end the wait with now, `nil` to park, or an error to end it with. Called once or twice: before
  /// the continuation is made (a wait ready at once makes none) and again under the lock that parks. Never called
  /// for a cancelled task: cancellation is checked first.
  func ready(_ state: inout State) throws -> Output?

  /// Stores the waiter where deliveries find it.
  func park(_ waiter: Waiter<Output>, in state: inout State) -> ParkingEffect

  /// Runs outside the lock, after parking; does nothing unless implemented.
  func afterParking(_ effect: ParkingEffect)

  /// From the cancellation handler: removes the waiter with this ticket and returns it, or `nil` when a delivery
  /// already took it.
  func unpark(_ ticket: WaiterTicket, from state: inout State) -> Waiter<Output>?

  /// Once, when the wait ends with `CancellationError` (before or after parking), for a trace; does nothing unless
  /// implemented.
  func cancelled(_ state: inout State)
}

extension ParkableWait {
  /// Nothing to do after parking.
  @inlinable package func afterParking(_ effect: ParkingEffect) {}

  /// Nothing to record for a cancellation.
  @inlinable package func cancelled(_ state: inout State) {}
}
