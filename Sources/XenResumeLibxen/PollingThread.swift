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
/// It can also watch a second descriptor for a hang-up only (never for input): xenstore's socket, which libxenstore's
/// own reader thread reads and closes without signalling anyone, so only a hang-up on it tells that xenstored went
/// away.
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
  ///
  /// With `hangUp`, the thread also wakes when that descriptor reports a hang-up or an error (input on it is
  /// ignored, so a busy descriptor never spins the thread), runs `onHangUp` once and ends. Readiness of `descriptor`
  /// seen in the same wake-up is handled first, so what was already queued is delivered before the hang-up.
  init(
    polling descriptor: FileDescriptor,
    watchingForHangUp hangUp: FileDescriptor? = nil,
    call: XenHostOperation,
    onReadable: @escaping @Sendable () -> Bool,
    onHangUp: @escaping @Sendable () -> Void = {},
    onFailure: @escaping @Sendable (Errno) -> Void
  ) throws(XenCallError) {
    // pipe2(O_CLOEXEC): close-on-exec from the start, so a program started meanwhile by another thread never
    // inherits an end.
    let wake = try LibxenCall.system(call, hint: "could not create the reader thread's wake pipe") {
      () throws(Errno) in try FileDescriptor.pipe(options: .closeOnExec)
    }
    let loop = PollLoop(
      descriptor: descriptor, hangUp: hangUp, wake: wake.readEnd, onReadable: onReadable, onHangUp: onHangUp,
      onFailure: onFailure)

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
  let hangUp: FileDescriptor?
  let wake: FileDescriptor
  let onReadable: @Sendable () -> Bool
  let onHangUp: @Sendable () -> Void
  let onFailure: @Sendable (Errno) -> Void

  init(
    descriptor: FileDescriptor,
    hangUp: FileDescriptor?,
    wake: FileDescriptor,
    onReadable: @escaping @Sendable () -> Bool,
    onHangUp: @escaping @Sendable () -> Void,
    onFailure: @escaping @Sendable (Errno) -> Void
  ) {
    self.descriptor = descriptor
    self.hangUp = hangUp
    self.wake = wake
    self.onReadable = onReadable
    self.onHangUp = onHangUp
    self.onFailure = onFailure
  }

  func run() {
    var requests = [(descriptor, PollEvents.input), (wake, PollEvents.input)]
    // Asking for no events still reports POLLHUP and POLLERR, which is all this descriptor is watched for.
    if let hangUp { requests.append((hangUp, PollEvents.none)) }
    while true {
      let ready: [PollEvents]
      do throws(Errno) {
        // Interrupted waits are retried by the wrapper; any other failure ends the thread.
        ready = try FileDescriptor.poll(requests)
      } catch {
        onFailure(error)
        return
      }
      // Shutdown wins over pending events: the owner is going away and nobody is left to receive them.
      if !ready[1].isEmpty { return }
      if !ready[0].isEmpty && !onReadable() { return }
      if ready.count > 2 && !ready[2].isEmpty {
        onHangUp()
        return
      }
    }
  }
}

/// What `poll(2)` asked for or reported on one descriptor.
struct PollEvents: OptionSet, Sendable {
  let rawValue: Int16

  static let none: PollEvents = []
  /// `POLLIN`: readable.
  static let input = PollEvents(rawValue: Int16(POLLIN))
  /// `POLLHUP` or `POLLERR`: the other end is gone or the descriptor failed; always reported, never asked for.
  static let hangUpOrError = PollEvents(rawValue: Int16(POLLHUP | POLLERR))
}

extension FileDescriptor {
  /// `poll(2)` with the events to ask for on each descriptor, waiting indefinitely (`immediately` only looks).
  /// Returns what each reported, in the order given; `POLLNVAL` (a descriptor that is not open) counts as an error.
  /// EINTR is retried.
  ///
  /// `poll(readable:timeout:)` asks every descriptor for input only; a socket watched for its hang-up must not ask
  /// for input, or every message waiting on it for its real reader would wake the thread again and again.
  static func poll(_ requests: [(FileDescriptor, PollEvents)], immediately: Bool = false) throws(Errno)
    -> [PollEvents]
  {
    var entries = requests.map { pollfd(fd: $0.0.rawValue, events: $0.1.rawValue, revents: 0) }
    while true {
      let result = entries.withUnsafeMutableBufferPointer {
        systemPoll($0.baseAddress!, nfds_t($0.count), immediately ? 0 : -1)
      }
      if result >= 0 { break }
      let failure = Errno(rawValue: errno)
      guard failure == .interrupted else { throw failure }
    }
    return entries.map { entry in
      var reported = PollEvents(rawValue: entry.revents)
      if entry.revents & Int16(POLLNVAL) != 0 { reported.formUnion(.hangUpOrError) }
      return reported
    }
  }

  /// Whether this descriptor reports a hang-up or an error right now, without waiting.
  func hasHungUp() -> Bool {
    guard let reported = try? Self.poll([(self, .none)], immediately: true) else { return false }
    return !reported[0].intersection(.hangUpOrError).isEmpty
  }
}

// Inside `FileDescriptor`'s extension, `poll` names the wrappers, so the C function is reached through this.
private func systemPoll(_ entries: UnsafeMutablePointer<pollfd>, _ count: nfds_t, _ timeout: Int32) -> Int32 {
  poll(entries, count, timeout)
}
