/// The process exit statuses of `xen-resume`, chosen from `sysexits.h` so scripts can tell what to do next:
/// retry (75), fix the command line (64), fix the host (69), or look at the domain (1, 66, 76).
enum ExitStatus: Int32, Sendable, CaseIterable {
  /// The command did what was asked.
  case success = 0
  /// The operation was refused or failed with nothing to retry: not suspended, refused (dom0, slow resume without
  /// confirmation, a path the guest cannot take), unsupported, shut down for another reason, already in progress,
  /// or a demo cell that is not what it must be.
  case failure = 1
  /// The command line is wrong (`EX_USAGE`).
  case usage = 64
  /// The domain does not exist (`EX_NOINPUT`).
  case domainNotFound = 66
  /// The chosen backend cannot be used on this machine (`EX_UNAVAILABLE`).
  case backendUnavailable = 69
  /// A wait ran out of time (`EX_TEMPFAIL`).
  case timeout = 75
  /// A call into Xen failed (`EX_PROTOCOL`).
  case xenCall = 76
  /// Stopped by SIGINT or SIGTERM (128 + SIGINT, as shells report an interrupted command).
  case interrupted = 130
}
