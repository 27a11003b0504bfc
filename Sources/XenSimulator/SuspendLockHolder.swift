/// Who holds a domain's suspend lock (libxenguest's `/var/run/xen/suspend-evtchn-<domid>.lock`).
public enum SuspendLockHolder: Sendable, Hashable {
  /// The toolstack using this host, through `acquireSuspendLock(for:)`.
  case toolstack
  /// Another process, simulated with `holdSuspendLockInAnotherProcess(for:)`.
  case anotherProcess
}
