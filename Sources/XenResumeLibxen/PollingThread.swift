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
struct PollingThread: ~Copyable, Sendable {
  private let thread: pthread_t
  private let wakeRead: Int32
  private let wakeWrite: Int32

  /// Starts the thread. `onReadable` runs on it whenever `descriptor` polls readable (or reports an error or hang-up,
  /// which the handler discovers when it reads); it returns `false` to end the thread because the descriptor is
  /// unusable. `onFailure` runs if `poll` itself fails. Thread creation failures are reported as `call`.
  init(
    polling descriptor: Int32,
    call: XenHostOperation,
    onReadable: @escaping @Sendable () -> Bool,
    onFailure: @escaping @Sendable (Errno) -> Void
  ) throws(XenCallError) {
    var pipeEnds: [Int32] = [-1, -1]
    _ = try LibxenCall.value(call, hint: "could not create the reader thread's wake pipe") {
      pipeEnds.withUnsafeMutableBufferPointer { pipe($0.baseAddress!) }
    }
    for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
    let loop = PollLoop(
      descriptor: descriptor, wake: pipeEnds[0], onReadable: onReadable, onFailure: onFailure)

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
      close(pipeEnds[0])
      close(pipeEnds[1])
      throw XenCallError(call, errno: Errno(rawValue: status), hint: "could not start the reader thread")
    }
    thread = created
    wakeRead = pipeEnds[0]
    wakeWrite = pipeEnds[1]
  }

  deinit {
    var byte: UInt8 = 1
    while write(wakeWrite, &byte, 1) < 0 && errno == EINTR {}
    pthread_join(thread, nil)
    close(wakeRead)
    close(wakeWrite)
  }
}

/// What the thread runs; a class only so that `pthread_create`'s single context pointer can carry it.
private final class PollLoop: Sendable {
  let descriptor: Int32
  let wake: Int32
  let onReadable: @Sendable () -> Bool
  let onFailure: @Sendable (Errno) -> Void

  init(
    descriptor: Int32,
    wake: Int32,
    onReadable: @escaping @Sendable () -> Bool,
    onFailure: @escaping @Sendable (Errno) -> Void
  ) {
    self.descriptor = descriptor
    self.wake = wake
    self.onReadable = onReadable
    self.onFailure = onFailure
  }

  func run() {
    var descriptors = [
      pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
      pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
    ]
    while true {
      let ready = descriptors.withUnsafeMutableBufferPointer { poll($0.baseAddress!, 2, -1) }
      if ready < 0 {
        if errno == EINTR { continue }
        onFailure(Errno(rawValue: errno))
        return
      }
      // Shutdown wins over pending events: the owner is going away and nobody is left to receive them.
      if descriptors[1].revents != 0 { return }
      if descriptors[0].revents != 0 && !onReadable() { return }
    }
  }
}
