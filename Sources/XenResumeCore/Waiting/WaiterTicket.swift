import Synchronization

/// What names one parked wait, so that its cancellation handler can find and remove exactly that wait.
///
/// Tickets come from one process-wide counter rather than from each waiter table: a wait then needs no lock to get
/// its ticket before it installs its cancellation handler, and two tables can never hand out the same one.
@usableFromInline package struct WaiterTicket: Hashable, Sendable, CustomStringConvertible {
  @usableFromInline let rawValue: UInt64

  private static let issued = Atomic<UInt64>(0)

  /// A ticket no other wait in this process has.
  @usableFromInline static func next() -> WaiterTicket {
    WaiterTicket(rawValue: issued.wrappingAdd(1, ordering: .relaxed).newValue)
  }

  @inlinable package var description: String { "waiter #\(rawValue)" }
}
