import Glibc
import Synchronization

/// A child process spoken to a line at a time: the harness writes a line to its stdin, it answers with lines on
/// stdout. The tools' paced modes (`xen-resume checkpoint --paced`, `xc-suspend-resume paced`) work this way, so
/// that the harness can interleave their cycles on one guest.
///
/// A thread of its own blocks in `read` on the child's stdout for the child's whole life and hands complete lines
/// to `nextLine(within:)`: waiting for an answer costs no wake-up at all (a polling wait would add wake-ups to dom0
/// while the tools' cycles are being measured), and no cooperative thread is ever blocked.
public final class LineChild: Sendable {
  /// The child's process id.
  public let pid: pid_t
  private let input: Int32
  private let mailbox = Mutex(Mailbox())

  /// Lines the reader thread has read and nobody has taken yet, and the one waiter for the next.
  private struct Mailbox {
    var lines: [String] = []
    var ended = false
    var waiter: CheckedContinuation<String?, Never>?

    /// A line read, or the end (`nil`): handed to the waiter, which is returned to be resumed outside the lock, or
    /// kept.
    mutating func deliver(_ line: String?) -> (CheckedContinuation<String?, Never>, String?)? {
      if let waiter {
        self.waiter = nil
        if line == nil { ended = true }
        return (waiter, line)
      }
      if let line { lines.append(line) } else { ended = true }
      return nil
    }
  }

  /// Starts `arguments` (looked up on PATH) with pipes for stdin and stdout and stderr into `errorPath`.
  public init(_ arguments: [String], errorPath: String) throws(Spawn.Failure) {
    var toChild: [Int32] = [0, 0]
    var fromChild: [Int32] = [0, 0]
    guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else {
      throw Spawn.Failure(description: "pipe: \(String(cString: strerror(errno)))")
    }
    // Only the copies dup'ed onto the child's stdin and stdout may stay open in it (nor in any other child).
    for descriptor in toChild + fromChild { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
    posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
    posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let pid: pid_t
    do throws(Spawn.Failure) {
      pid = try Spawn.spawn(arguments, actions: &actions)
    } catch {
      for descriptor in toChild + fromChild { close(descriptor) }
      throw error
    }
    close(toChild[0])
    close(fromChild[1])
    self.pid = pid
    input = toChild[1]
    startReader(fromChild[0])
  }

  /// Writes `line` and a newline to the child's stdin; false when the child no longer reads it.
  @discardableResult
  public func send(_ line: String) -> Bool {
    let bytes = Array((line + "\n").utf8)
    var written = 0
    while written < bytes.count {
      let count = bytes[written...].withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
      if count < 0, errno == EINTR { continue }
      guard count > 0 else { return false }
      written += count
    }
    return true
  }

  /// The child's next line of output, or `nil` when it closed stdout (it exited). A child that says nothing within
  /// `limit` is killed (SIGKILL), which closes its stdout, so the wait always ends. One caller at a time.
  public func nextLine(within limit: Duration) async -> String? {
    let pid = pid
    let timer = Task {
      // Cancelled (the line came first), the sleep throws and nothing is killed.
      try await Task.sleep(for: limit)
      kill(pid, SIGKILL)
    }
    defer { timer.cancel() }
    return await withCheckedContinuation { continuation in
      let ready: String?? = mailbox.withLock { mailbox in
        if !mailbox.lines.isEmpty { return .some(mailbox.lines.removeFirst()) }
        if mailbox.ended { return .some(nil) }
        mailbox.waiter = continuation
        return nil
      }
      if let ready { continuation.resume(returning: ready) }
    }
  }

  /// Closes the child's stdin (a paced tool ends its run at the end of input) and waits up to `limit` for it to exit,
  /// then kills it. Returns its exit code, `nil` when it was killed.
  public func finish(within limit: Duration) async -> Int32? {
    close(input)
    let clock = ContinuousClock()
    let end = clock.now + limit
    var status: Int32 = 0
    while true {
      let reaped = waitpid(pid, &status, WNOHANG)
      if reaped == pid { break }
      if clock.now >= end || (reaped < 0 && errno != EINTR) {
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        return nil
      }
      // The run is over by now (its last answer came): the exit is a matter of milliseconds.
      try? await Task.sleep(for: .milliseconds(20))
    }
    return status & 0x7f == 0 ? (status >> 8) & 0xff : nil
  }

  /// Reads `descriptor` to its end on a thread of its own, delivering each complete line, then the end.
  private func startReader(_ descriptor: Int32) {
    final class Context {
      let descriptor: Int32
      let child: LineChild
      init(_ descriptor: Int32, _ child: LineChild) {
        self.descriptor = descriptor
        self.child = child
      }
    }
    let context = Unmanaged.passRetained(Context(descriptor, self)).toOpaque()
    var thread = pthread_t()
    let created = pthread_create(
      &thread, nil,
      { raw in
        let context = Unmanaged<Context>.fromOpaque(raw!).takeRetainedValue()
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
          let count = buffer.withUnsafeMutableBytes { read(context.descriptor, $0.baseAddress, $0.count) }
          if count < 0, errno == EINTR { continue }
          guard count > 0 else { break }
          pending += buffer[..<count]
          while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            context.child.deliver(String(decoding: pending[..<newline], as: UTF8.self))
            pending.removeSubrange(...newline)
          }
        }
        if !pending.isEmpty { context.child.deliver(String(decoding: pending, as: UTF8.self)) }
        close(context.descriptor)
        context.child.deliver(nil)
        return nil
      }, context)
    if created == 0 {
      pthread_detach(thread)
    } else {
      Unmanaged<Context>.fromOpaque(context).release()
      close(descriptor)
      deliver(nil)
    }
  }

  private func deliver(_ line: String?) {
    if let (waiter, line) = mailbox.withLock({ $0.deliver(line) }) { waiter.resume(returning: line) }
  }
}
