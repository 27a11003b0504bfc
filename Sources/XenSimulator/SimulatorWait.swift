import SystemPackage
import XenResumeCore

/// An `async` `XenHost` wait of the simulated machine (`nextWatchEvent`, `waitForEvent`), as a wait of the package's
/// waiting primitive over `SimulatorState`.
///
/// A conforming wait says what it is (its operation, trace arguments and result, the table and key it parks under)
/// and when it is ready; the extension turns that into the primitive's steps and keeps the trace: a wait that ends
/// here (ready, failed, cancelled before or after parking) is recorded here, one resumed by a delivery is recorded by
/// the delivering call.
protocol SimulatorWait: ParkableWait where State == SimulatorState {
  associatedtype Key: Hashable & Sendable

  /// The `XenHost` call this wait is.
  static var operation: XenHostOperation { get }
  /// Where its waiters park.
  static var waiters: WritableKeyPath<SimulatorState, WaiterTable<Key, Output>> & Sendable { get }
  /// What its waiters park under.
  var key: Key { get }
  /// Its arguments, for the trace.
  var arguments: HostCallArguments { get }
  /// A result, for the trace.
  func result(_ value: Output) -> HostCallResult
  /// The value ready now, `nil` to park; throws the errno Xen would give.
  func check(_ state: inout SimulatorState) throws -> Output?
}

extension SimulatorWait {
  func ready(_ state: inout SimulatorState) throws -> Output? {
    do {
      guard let value = try check(&state) else { return nil }
      state.record(Self.operation, domain: nil, { arguments }, .succeeded(result(value)))
      return value
    } catch let error as XenCallError {
      // A wait that fails with more to say than an errno (a lost xenstored connection).
      state.record(Self.operation, domain: nil, { arguments }, .failed(error.errno, injected: false))
      throw error
    } catch {
      let errno = (error as? Errno) ?? .ioError
      state.record(Self.operation, domain: nil, { arguments }, .failed(errno, injected: false))
      throw XenCallError(Self.operation, errno: errno)
    }
  }

  func park(_ waiter: Waiter<Output>, in state: inout SimulatorState) {
    state[keyPath: Self.waiters].park(waiter, under: key)
  }

  func unpark(_ ticket: WaiterTicket, from state: inout SimulatorState) -> Waiter<Output>? {
    state[keyPath: Self.waiters].remove(ticket, under: key)
  }

  func cancelled(_ state: inout SimulatorState) {
    state.record(Self.operation, domain: nil, { arguments }, .cancelled)
  }
}

/// `nextWatchEvent`: the watch's queued events first; ENOENT for an unknown (or meanwhile removed) watch, and the
/// connection-lost error (ECONNRESET) for a watch whose connection xenstored dropped.
struct WatchEventWait: SimulatorWait {
  typealias Output = String
  static let operation = XenHostOperation.nextWatchEvent
  static let waiters: WritableKeyPath<SimulatorState, WaiterTable<XenStoreWatchID, String>> & Sendable =
    \SimulatorState.watchWaiters
  let watch: XenStoreWatchID

  var key: XenStoreWatchID { watch }
  var arguments: HostCallArguments { .watch(watch) }
  func result(_ value: String) -> HostCallResult { .watchEvent(value) }

  func check(_ state: inout SimulatorState) throws -> String? {
    if state.watches.isLost(watch) {
      guard let event = state.watches.dequeue(from: watch) else {
        throw XenCallError.xenStoreConnectionLost(Self.operation)
      }
      return event
    }
    guard state.watches.contains(watch) else { throw Errno.noSuchFileOrDirectory }
    return state.watches.dequeue(from: watch)
  }
}

/// `waitForEvent`: consumes the port's pending event; ENOTCONN for a port this toolstack did not bind (or unbound
/// while waiting).
struct PortEventWait: SimulatorWait {
  typealias Output = Void
  static let operation = XenHostOperation.waitForEvent
  static let waiters: WritableKeyPath<SimulatorState, WaiterTable<UInt32, Void>> & Sendable =
    \SimulatorState.portWaiters
  let port: EventChannelPort

  var key: UInt32 { port.rawValue }
  var arguments: HostCallArguments { .port(port) }
  func result(_ value: Void) -> HostCallResult { .none }

  func check(_ state: inout SimulatorState) throws -> Void? {
    guard state.eventChannels[port.rawValue] != nil else { throw Errno.socketNotConnected }
    return state.eventChannels.consumePending(port.rawValue) ? () : nil
  }
}
