import SystemPackage
import XenResumeCore

/// The per-domain suspend lock files: an exclusive, non-blocking lock per domain id.
///
/// Like the real lock file it does not care whether the domain exists.
struct SuspendLocks {
  private(set) var holders: [DomainID: SuspendLockHolder] = [:]

  /// Takes the lock; EAGAIN when anyone holds it (fcntl's F_SETLK answer), including this toolstack itself.
  mutating func acquire(_ domain: DomainID) throws {
    guard holders[domain] == nil else { throw Errno.resourceTemporarilyUnavailable }
    holders[domain] = .toolstack
  }

  /// Releases the toolstack's lock: ENOENT when there is no lock file; EBADF when another process holds it (this
  /// toolstack has no descriptor for it, and must not remove someone else's lock file).
  mutating func release(_ domain: DomainID) throws {
    switch holders[domain] {
    case nil: throw Errno.noSuchFileOrDirectory
    case .anotherProcess: throw Errno.badFileDescriptor
    case .toolstack: holders[domain] = nil
    }
  }

  /// Another process takes the lock; false when someone already holds it.
  mutating func holdInAnotherProcess(_ domain: DomainID) -> Bool {
    guard holders[domain] == nil else { return false }
    holders[domain] = .anotherProcess
    return true
  }

  /// The other process lets go.
  mutating func releaseFromAnotherProcess(_ domain: DomainID) {
    if holders[domain] == .anotherProcess { holders[domain] = nil }
  }
}
