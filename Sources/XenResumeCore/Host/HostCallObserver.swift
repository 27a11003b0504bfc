/// Sees every call a `XenHost` makes, at the backend's one choke point, so that counting, recording and fault
/// injection work the same over `LibxenHost`, `XenSimulator.SimulatedXenHost` and any other backend, without a
/// forwarding wrapper per concern.
///
/// Register observers with the host's `callObservers`. Both methods run on the calling thread, around the call,
/// outside every lock of the backend: keep them short, and never call the host from inside them.
public protocol HostCallObserver: AnyObject, Sendable {
  /// Called before the backend makes the call. Throwing fails the call with that error without making it (fault
  /// injection); later observers are then not asked, and `hostDidCall` reports the failure to every observer.
  func hostWillCall(_ operation: XenHostOperation, domain: DomainID?) throws(XenCallError)

  /// Called once the call has returned (`failure` is `nil`) or thrown (`XenCallError`, or `CancellationError` for a
  /// cancelled wait).
  func hostDidCall(_ operation: XenHostOperation, domain: DomainID?, failure: (any Error)?)
}

extension HostCallObserver {
  /// Observers that only count or record need not inject: by default every call goes ahead.
  public func hostWillCall(_ operation: XenHostOperation, domain: DomainID?) throws(XenCallError) {}

  /// Observers that only inject need not see outcomes: by default outcomes are ignored.
  public func hostDidCall(_ operation: XenHostOperation, domain: DomainID?, failure: (any Error)?) {}
}
