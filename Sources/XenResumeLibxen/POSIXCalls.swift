internal import CXen
import SystemPackage
import XenResumeCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

// The few POSIX calls of the libxen backend that swift-system 1.8.1 has no API for, written the way swift-system
// writes its own: one thin wrapper per call that retries EINTR unless told not to and throws `Errno`. Everything else
// the backend does on plain files and pipes (open, close, pipe2, read, write, fstat, stat) is swift-system's.

extension FileDescriptor {
  /// `fcntl(F_OFD_SETLK)` with `F_WRLCK`: write-locks `length` bytes from `offset` for this open file description,
  /// without waiting. A conflicting lock, ours or another process's, classic or OFD, fails it with EAGAIN (EACCES on
  /// some systems).
  ///
  /// An OFD lock rather than `F_SETLK`: it belongs to this open file, not the whole process, so a second owner in the
  /// same process is excluded too and closing some other descriptor of the file never drops it; see
  /// `SuspendLockTable`. The lock ends when the last descriptor of the open file is closed.
  func lockForWritingWithoutWaiting(offset: Int64, length: Int64, retryOnInterrupt: Bool = true) throws(Errno) {
    var lock = flock()
    lock.l_type = Int16(F_WRLCK)
    lock.l_whence = Int16(SEEK_SET)
    lock.l_start = off_t(offset)
    lock.l_len = off_t(length)
    _ = try valueOrErrno(retryOnInterrupt: retryOnInterrupt) { fcntl(rawValue, CXEN_F_OFD_SETLK, &lock) }.get()
  }

  /// `poll(2)` for input: waits until at least one of `descriptors` is readable or reports an error or hang-up, or
  /// until `timeout` has passed (`nil` waits indefinitely, `.zero` only looks). Returns, in the order given, whether
  /// each descriptor polled ready; a descriptor that is ready because of an error is for its reader to discover.
  ///
  /// An interrupted wait that is retried starts over with the whole timeout, which is exact for the two timeouts the
  /// backend uses (none and zero).
  static func poll(
    readable descriptors: [FileDescriptor], timeout: Duration?, retryOnInterrupt: Bool = true
  ) throws(Errno) -> [Bool] {
    var entries = descriptors.map { pollfd(fd: $0.rawValue, events: Int16(POLLIN), revents: 0) }
    let milliseconds = timeout.map(pollMilliseconds) ?? -1
    _ = try valueOrErrno(retryOnInterrupt: retryOnInterrupt) {
      entries.withUnsafeMutableBufferPointer { libcPoll($0.baseAddress!, nfds_t($0.count), milliseconds) }
    }.get()
    return entries.map { $0.revents != 0 }
  }

  /// `timeout` in poll's milliseconds, rounded up so that a short positive timeout still sleeps rather than spins.
  private static func pollMilliseconds(_ timeout: Duration) -> Int32 {
    let (seconds, attoseconds) = timeout.components
    guard seconds >= 0, seconds > 0 || attoseconds > 0 else { return 0 }
    guard seconds < Int64(Int32.max) / 1000 else { return Int32.max }
    let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
    return Int32(seconds * 1000 + (attoseconds + attosecondsPerMillisecond - 1) / attosecondsPerMillisecond)
  }
}

extension FilePath {
  /// `unlink(2)`: removes this name of a file (a descriptor already open on it stays usable).
  func unlink(retryOnInterrupt: Bool = true) throws(Errno) {
    _ = try withCString { path in valueOrErrno(retryOnInterrupt: retryOnInterrupt) { libcUnlink(path) } }.get()
  }
}

extension LibxenCall {
  /// Runs a swift-system call (or one of the wrappers above) and reports its `Errno` as the other wrappers report
  /// errno: a `XenCallError` naming `operation`, with the usual hint when the call site gave none.
  ///
  /// Generic over the error because swift-system's `FileDescriptor.open` and `close` still throw untyped errors
  /// (always an `Errno` in practice); anything else becomes EIO rather than being lost.
  static func system<Result, Failure: Error>(
    _ operation: XenHostOperation,
    domain: DomainID? = nil,
    hint: String? = nil,
    _ body: () throws(Failure) -> Result
  ) throws(XenCallError) -> Result {
    do {
      return try body()
    } catch {
      let errno = error as? Errno ?? Errno(rawValue: EIO)
      throw failure(operation.rawValue, domain: domain, errno: errno, hint: hint)
    }
  }
}

/// The one EINTR loop of these wrappers, as swift-system's own `valueOrErrno`: runs `body` until it returns
/// something other than -1, or -1 with an errno other than EINTR (or any errno, when not retrying), which it returns
/// as the failure. A `Result` rather than a throw so that it can pass through `withCString`, which only rethrows
/// untyped errors.
private func valueOrErrno<Value: FixedWidthInteger>(
  retryOnInterrupt: Bool, _ body: () -> Value
) -> Result<Value, Errno> {
  while true {
    let result = body()
    guard result == -1 else { return .success(result) }
    let failure = Errno(rawValue: errno)
    guard retryOnInterrupt && failure == .interrupted else { return .failure(failure) }
  }
}

// Inside the extensions above, `poll` and `unlink` name the wrappers themselves, so the C functions are reached
// through these.

private func libcPoll(_ entries: UnsafeMutablePointer<pollfd>, _ count: nfds_t, _ timeout: Int32) -> Int32 {
  poll(entries, count, timeout)
}

private func libcUnlink(_ path: UnsafePointer<CChar>) -> Int32 {
  unlink(path)
}
