import SystemPackage
import XenResumeCore

extension ConformanceCheck {
  /// The per-domain suspend lock is exclusive and non-blocking, and released it can be taken again.
  static let suspendLockIsExclusive = ConformanceCheck(
    name: "suspend-lock.exclusive",
    subject: .suspendLock,
    rule: "a second acquire of a held suspend lock fails with EAGAIN; after release it can be acquired again",
    source: "tools/libs/guest/xg_suspend.c lock_suspend_event (F_WRLCK with F_SETLK: never waits; Linux answers a "
      + "conflict with EAGAIN) and unlock_suspend_event",
    body: .guest { session in
      let host = session.context.host
      let domain = session.guest.domain
      do {
        try host.acquireSuspendLock(for: domain)
      } catch let error as XenCallError where error.errno == .resourceTemporarilyUnavailable {
        throw CheckSkip("another toolstack holds domain \(domain)'s suspend lock")
      }
      var held = true
      defer { if held { try? host.releaseSuspendLock(for: domain) } }
      try session.context.expectFailure(.resourceTemporarilyUnavailable, "a second acquireSuspendLock") {
        try host.acquireSuspendLock(for: domain)
      }
      held = false
      try host.releaseSuspendLock(for: domain)
      try host.acquireSuspendLock(for: domain)
      held = true
      try host.releaseSuspendLock(for: domain)
      held = false
      return "second acquire EAGAIN; release, acquire and release again succeeded"
    })
}
