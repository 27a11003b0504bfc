import Synchronization
import SystemPackage

/// Makes chosen host calls fail, before they have any effect, to test what code does when Xen says no.
///
/// Register it with a host's `callObservers` (the simulator has one built in: `SimulatedXenHost.injectFault`). The
/// `n`-th matching call of an operation, counted from the injection, fails once with the errno given; calls that do
/// not match leave the counts alone. Several faults may be pending at once.
public final class HostCallFaultInjector: HostCallObserver {
  private struct PendingFault {
    let operation: XenHostOperation
    let domain: DomainID?
    let errno: Errno
    var callsUntilFailure: Int
  }

  private let pending = Mutex<[PendingFault]>([])
  private let pendingCount = Atomic<Int>(0)

  /// An injector with no fault pending.
  public init() {}

  /// Makes the `call`-th call of `operation` from now (only among calls about `domain`, when given) fail with
  /// `errno`, once.
  public func inject(_ operation: XenHostOperation, onCall call: Int = 1, errno: Errno, domain: DomainID? = nil) {
    precondition(call >= 1, "a fault is injected on the first call or later, not call \(call)")
    pending.withLock { faults in
      faults.append(PendingFault(operation: operation, domain: domain, errno: errno, callsUntilFailure: call))
      pendingCount.store(faults.count, ordering: .relaxed)
    }
  }

  /// Forgets every fault not yet triggered.
  public func removeAll() {
    pending.withLock { faults in
      faults.removeAll()
      pendingCount.store(0, ordering: .relaxed)
    }
  }

  /// Faults injected and not yet triggered.
  public var count: Int { pendingCount.load(ordering: .relaxed) }

  /// Counts the call against every matching fault and fails it with the errno of the first one whose turn it is,
  /// which is then used up.
  public func hostWillCall(_ operation: XenHostOperation, domain: DomainID?) throws(XenCallError) {
    if pendingCount.load(ordering: .relaxed) == 0 { return }
    let triggered = pending.withLock { faults -> Errno? in
      var triggered: Errno?
      var index = 0
      while index < faults.count {
        let fault = faults[index]
        if fault.operation == operation, fault.domain == nil || fault.domain == domain {
          faults[index].callsUntilFailure -= 1
          if faults[index].callsUntilFailure <= 0, triggered == nil {
            triggered = fault.errno
            faults.remove(at: index)
            continue
          }
        }
        index += 1
      }
      pendingCount.store(faults.count, ordering: .relaxed)
      return triggered
    }
    if let triggered {
      throw XenCallError(operation, domain: domain, errno: triggered, hint: HostCallFaultInjector.hint)
    }
  }

  /// The hint of every injected failure, so a trace or a log tells injected failures from real ones.
  public static let hint = "fault injected"
}
