import SystemPackage
import XenResumeCore

/// The per-domain suspend lock files this host holds, taken the way libxenguest takes them.
///
/// libxenguest (`xc_suspend_evtchn_init_exclusive`) guards a domain's suspend event channel with
/// `<directory>/suspend-evtchn-<domid>.lock`: open or create it, write-lock its first byte without waiting, and check
/// that the path still names the file that was locked (the previous holder may have unlinked it in between; then
/// retry with a fresh file). The holder unlinks the file *before* closing it, so nobody can lock a file that is about
/// to disappear and believe they hold the lock.
///
/// One difference, deliberately: the lock is an open-file-description lock (`F_OFD_SETLK`) rather than a classic
/// process lock. The kernel makes the two kinds conflict, so xl and libxl still exclude us and we them; but an OFD lock
/// also excludes a second owner in the same process (a classic lock would be silently shared), and closing some other
/// descriptor of the file never drops it. That is also what lets the tests run two owners in one process.
///
/// Noncopyable so that each descriptor is closed exactly once: by `release(_:)`, or by `deinit` for locks still held
/// when the owner goes away.
struct SuspendLockTable: ~Copyable {
  /// libxenguest's `XEN_RUN_DIR`.
  static let defaultDirectory: FilePath = "/var/run/xen"

  /// Where the lock files live; a test points this at a temporary directory.
  let directory: FilePath
  private var held: [DomainID: FileDescriptor] = [:]

  /// An empty table for lock files in `directory`.
  init(directory: FilePath = SuspendLockTable.defaultDirectory) {
    self.directory = directory
  }

  /// `<directory>/suspend-evtchn-<domid>.lock`.
  func path(for domain: DomainID) -> FilePath {
    directory.appending("suspend-evtchn-\(domain.rawValue).lock")
  }

  /// Whether this table holds a domain's lock.
  func holds(_ domain: DomainID) -> Bool { held[domain] != nil }

  /// Takes a domain's lock, or throws `XenCallError(.acquireSuspendLock)` with errno EAGAIN when another owner (in
  /// this process or another one) has it, or this table already does.
  mutating func acquire(_ domain: DomainID) throws(XenCallError) {
    let path = path(for: domain)
    guard held[domain] == nil else {
      throw XenCallError(
        .acquireSuspendLock, domain: domain, errno: .resourceTemporarilyUnavailable, hint: "already held by this host")
    }
    while true {
      // Created read-write with mode 0600, like libxenguest's; close-on-exec so that a program the toolstack starts
      // never inherits the descriptor and, with it, our lock.
      let descriptor = try LibxenCall.system(.acquireSuspendLock, domain: domain, hint: "cannot create \(path)") {
        try FileDescriptor.open(path, .readWrite, options: [.create, .closeOnExec], permissions: .ownerReadWrite)
      }
      do throws(XenCallError) {
        try lockFirstByte(descriptor, domain: domain, path: path)
        if try stillNamesLockedFile(descriptor, domain: domain, path: path) {
          held[domain] = descriptor
          return
        }
        Self.discard(descriptor)
      } catch {
        Self.discard(descriptor)
        throw error
      }
    }
  }

  /// Releases a domain's lock: unlinks the file while still holding the lock, then closes it. Releasing a lock this
  /// table does not hold succeeds and changes nothing, as in libxenguest, so cleanup paths may always call it.
  mutating func release(_ domain: DomainID) throws(XenCallError) {
    guard let descriptor = held.removeValue(forKey: domain) else { return }
    let path = path(for: domain)
    defer { Self.discard(descriptor) }
    do throws(XenCallError) {
      try LibxenCall.system(.releaseSuspendLock, domain: domain, hint: "cannot remove \(path)") { () throws(Errno) in
        try path.unlink()
      }
    } catch {
      // Already gone: someone tidied up the directory. The lock still ends when the descriptor closes.
      if error.errno != .noSuchFileOrDirectory { throw error }
    }
  }

  deinit {
    for (domain, descriptor) in held {
      // Nobody is left to tell of a failure; the lock ends with the close either way.
      try? path(for: domain).unlink()
      Self.discard(descriptor)
    }
  }

  /// Closes a lock file's descriptor, which ends its lock. close's errors are not worth reporting: Linux frees the
  /// descriptor (and so the lock) even when close fails, and nothing was written through it that could be lost.
  private static func discard(_ descriptor: FileDescriptor) {
    try? descriptor.close()
  }

  /// Write-locks byte 0, as libxenguest does, without waiting. EACCES is how some systems report a conflict; callers
  /// see EAGAIN either way.
  private func lockFirstByte(_ descriptor: FileDescriptor, domain: DomainID, path: FilePath) throws(XenCallError) {
    do throws(XenCallError) {
      try LibxenCall.system(.acquireSuspendLock, domain: domain) { () throws(Errno) in
        try descriptor.lockForWritingWithoutWaiting(offset: 0, length: 1)
      }
    } catch {
      guard error.errno == .resourceTemporarilyUnavailable || error.errno == .permissionDenied else { throw error }
      throw XenCallError(
        .acquireSuspendLock, domain: domain, errno: .resourceTemporarilyUnavailable,
        hint: "another toolstack is suspending this domain (\(path) is locked)")
    }
  }

  /// Whether `path` still names the file behind `descriptor`; `false` when the previous holder unlinked (or replaced)
  /// it between our open and our lock.
  private func stillNamesLockedFile(
    _ descriptor: FileDescriptor, domain: DomainID, path: FilePath
  ) throws(XenCallError) -> Bool {
    let ours = try LibxenCall.system(.acquireSuspendLock, domain: domain) { () throws(Errno) in try descriptor.stat() }
    let theirs: Stat
    do throws(XenCallError) {
      theirs = try LibxenCall.system(.acquireSuspendLock, domain: domain) { () throws(Errno) in try path.stat() }
    } catch {
      if error.errno == .noSuchFileOrDirectory { return false }
      throw error
    }
    return ours.inode == theirs.inode && ours.deviceID == theirs.deviceID
  }
}
