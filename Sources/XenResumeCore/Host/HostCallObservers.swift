import Synchronization

/// The observers of one `XenHost`'s calls, which the backend notifies around every call.
///
/// With no observer registered (the usual production case) a call pays one relaxed atomic load; the list itself is
/// an immutable array replaced on change, so notifying never allocates.
public final class HostCallObservers: Sendable {
  private let observers = Mutex<[any HostCallObserver]>([])
  private let count = Atomic<Int>(0)

  /// An empty list.
  public init() {}

  /// Starts notifying `observer` of every later call, after the observers already registered.
  public func add(_ observer: any HostCallObserver) {
    observers.withLock { list in
      list.append(observer)
      count.store(list.count, ordering: .releasing)
    }
  }

  /// Stops notifying `observer` (compared by identity); calls already under way may still report to it.
  public func remove(_ observer: any HostCallObserver) {
    observers.withLock { list in
      list.removeAll { $0 === observer }
      count.store(list.count, ordering: .releasing)
    }
  }

  /// Whether no observer is registered.
  public var isEmpty: Bool { count.load(ordering: .acquiring) == 0 }

  /// Tells every observer that a call is about to be made; the first observer that throws fails the call (the
  /// backend then makes no call and reports the failure through `didCall`). Backends that notify by hand instead
  /// of through `observe` call this and `didCall` exactly once per call.
  @_spi(XenHostBackends) public func willCall(_ operation: XenHostOperation, domain: DomainID?) throws(XenCallError) {
    guard !isEmpty else { return }
    for observer in observers.withLock({ $0 }) { try observer.hostWillCall(operation, domain: domain) }
  }

  /// Tells every observer how a call ended.
  @_spi(XenHostBackends) public func didCall(_ operation: XenHostOperation, domain: DomainID?, failure: (any Error)?) {
    guard !isEmpty else { return }
    for observer in observers.withLock({ $0 }) { observer.hostDidCall(operation, domain: domain, failure: failure) }
  }

  /// Runs one synchronous host call between the observers' notifications. Backends wrap each `XenHost` call in
  /// this (or the `async` form) exactly once.
  @_spi(XenHostBackends) public func observe<Value>(
    _ operation: XenHostOperation, domain: DomainID?, _ body: () throws -> Value
  ) throws -> Value {
    guard !isEmpty else { return try body() }
    do {
      try willCall(operation, domain: domain)
      let value = try body()
      didCall(operation, domain: domain, failure: nil)
      return value
    } catch {
      didCall(operation, domain: domain, failure: error)
      throw error
    }
  }

  /// `observe(_:domain:_:)` for the `async` waits.
  @_spi(XenHostBackends) public func observe<Value>(
    _ operation: XenHostOperation, domain: DomainID?, _ body: () async throws -> Value
  ) async throws -> Value {
    guard !isEmpty else { return try await body() }
    do {
      try willCall(operation, domain: domain)
      let value = try await body()
      didCall(operation, domain: domain, failure: nil)
      return value
    } catch {
      didCall(operation, domain: domain, failure: error)
      throw error
    }
  }
}
