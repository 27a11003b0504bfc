@_spi(XenHostBackends) import XenResumeCore

extension LibxenHost {
  /// Takes `/var/run/xen/suspend-evtchn-<domid>.lock` as libxenguest does; errno EAGAIN when another toolstack (or
  /// another host object in this process) holds it.
  public func acquireSuspendLock(for domain: DomainID) throws {
    try callObservers.observe(.acquireSuspendLock, domain: domain) {
      try suspendLocks.withLock { (table: inout SuspendLockTable) throws(XenCallError) in try table.acquire(domain) }
    }
  }

  /// Unlinks the lock file while still holding it, then closes it. Releasing a lock not held does nothing.
  public func releaseSuspendLock(for domain: DomainID) throws {
    try callObservers.observe(.releaseSuspendLock, domain: domain) {
      try suspendLocks.withLock { (table: inout SuspendLockTable) throws(XenCallError) in try table.release(domain) }
    }
  }
}
