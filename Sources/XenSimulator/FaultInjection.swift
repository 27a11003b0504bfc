import SystemPackage
import XenResumeCore

/// Failures a test asked for: the n-th matching call of an operation fails with an errno, once.
struct FaultInjector {
  private struct PendingFault {
    let operation: XenHostOperation
    let domain: DomainID?
    let errno: Errno
    var callsUntilFailure: Int
  }

  private var pending: [PendingFault] = []

  var isEmpty: Bool { pending.isEmpty }
  var count: Int { pending.count }

  mutating func inject(_ operation: XenHostOperation, onCall call: Int, errno: Errno, domain: DomainID?) {
    precondition(call >= 1, "a fault is injected on the first call or later, not call \(call)")
    pending.append(PendingFault(operation: operation, domain: domain, errno: errno, callsUntilFailure: call))
  }

  mutating func removeAll() {
    pending.removeAll()
  }

  /// Counts a call against every matching fault and returns the errno of the first one whose turn it is, which is
  /// then used up. Calls that do not match leave the counts alone.
  mutating func failure(for operation: XenHostOperation, domain: DomainID?) -> Errno? {
    if pending.isEmpty { return nil }
    var triggered: Errno?
    var index = 0
    while index < pending.count {
      let fault = pending[index]
      if fault.operation == operation, fault.domain == nil || fault.domain == domain {
        pending[index].callsUntilFailure -= 1
        if pending[index].callsUntilFailure <= 0, triggered == nil {
          triggered = fault.errno
          pending.remove(at: index)
          continue
        }
      }
      index += 1
    }
    return triggered
  }
}
