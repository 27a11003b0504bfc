import SystemPackage
import XenResumeCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A dedicated POSIX thread that sleeps in `poll(2)` on one descriptor and runs a handler each time it is readable.
///
/// xenstore watch events and event channel notifications arrive on descriptors that only a blocking wait can
/// observe. Blocking belongs on a thread of our own, never on Swift's cooperative pool, whose few threads every task
/// shares. A self-pipe wakes the thread for shutdown, so stopping never depends on Xen delivering anything.
///
/// The thread is joined exactly once, in `deinit`; the owner must drop it outside any lock that the handler takes.
/// Noncopyable also because it owns the wake pipe, whose ends `deinit` closes once the thread has stopped polling
/// them.
struct PollingThread: ~Copyable, Sendable {
  private let thread: pthread_t
  private let wakeRead: FileDescriptor
  private let wakeWrite: FileDescriptor

  /// Starts the thread. `onReadable` runs on it whenever `descriptor` polls readable (or reports an error or hang-up,
  /// which the handler discovers when it reads); it returns `false` to end the thread because the descriptor is
  /// unusable. `onFailure` runs if `poll` itself fails. The descriptor stays the caller's, to close after the thread
  /// has stopped. Pipe and thread creation failures are reported as `call`.
  init(
    polling descriptor: FileDescriptor,
    call: XenHostOperation,
    onReadable: @escaping @Sendable () -> Bool,
    onFailure: @escaping @Sendable (Errno) -> Void
  ) throws(XenCallError) {
    // pipe2(O_CLOEXEC): close-on-exec from the start, so a program started meanwhile by another thread never
    // inherits an end.
    let wake = try LibxenCall.system(call, hint: "could not create the reader thread's wake pipe") {
      () throws(Errno) in try FileDescriptor.pipe(options: .closeOnExec)
    }
    let loop = PollLoop(
      descriptor: descriptor, wake: wake.readEnd, onReadable: onReadable, onFailure: onFailure)

    var created = pthread_t()
    let context = Unmanaged.passRetained(loop).toOpaque()
    let status = pthread_create(
      &created, nil,
      { context in
        Unmanaged<PollLoop>.fromOpaque(context!).takeRetainedValue().run()
        return nil
      }, context)
    guard status == 0 else {
      Unmanaged<PollLoop>.fromOpaque(context).release()
      try? wake.readEnd.close()
      try? wake.writeEnd.close()
      throw XenCallError(call, errno: Errno(rawValue: status), hint: "could not start the reader thread")
    }
    thread = created
    wakeRead = wake.readEnd
    wakeWrite = wake.writeEnd
  }

  deinit {
    // One byte into an empty pipe whose read end is still open cannot fail (EINTR is retried), so the join below
    // always returns.
    _ = try? withUnsafeBytes(of: UInt8(1)) { try wakeWrite.write($0) }
    pthread_join(thread, nil)
    // Closing cannot fail in a way worth handling: Linux frees the descriptor even when close reports an error.
    try? wakeRead.close()
    try? wakeWrite.close()
  }
}

/// What the thread runs; a class only so that `pthread_create`'s single context pointer can carry it. It polls the
/// descriptors but owns neither: they are closed by their owners after the thread has been joined.
private final class PollLoop: Sendable {
  let descriptor: FileDescriptor
  let wake: FileDescriptor
  let onReadable: @Sendable () -> Bool
  let onFailure: @Sendable (Errno) -> Void

  init(
    descriptor: FileDescriptor,
    wake: FileDescriptor,
    onReadable: @escaping @Sendable () -> Bool,
    onFailure: @escaping @Sendable (Errno) -> Void
  ) {
    self.descriptor = descriptor
    self.wake = wake
    self.onReadable = onReadable
    self.onFailure = onFailure
  }

  func run() {
    while true {
      let ready: [Bool]
      do throws(Errno) {
        // Interrupted waits are retried by the wrapper; any other failure ends the thread.
        ready = try FileDescriptor.poll(readable: [descriptor, wake], timeout: nil)
      } catch {
        onFailure(error)
        return
      }
      // Shutdown wins over pending events: the owner is going away and nobody is left to receive them.
      if ready[1] { return }
      if ready[0] && !onReadable() { return }
    }
  }
}
