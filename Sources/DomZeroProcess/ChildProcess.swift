import Glibc

/// Runs dom0's tools (xl, xen-resume, the C reference client) as child processes with `posix_spawn`, each with a
/// time limit, its output in files: what the dom0 programs of the real-Xen harness share.
public enum Spawn {
  /// How a child ended.
  public struct Outcome: Sendable {
    /// The exit code; `nil` when it was killed.
    public var exitCode: Int32?
    /// Whether the time limit killed it.
    public var timedOut: Bool
    /// The end of what it printed (stdout and stderr together, or stdout alone when stderr had its own file).
    public var output: String
    /// From spawn to exit.
    public var milliseconds: Int

    /// Exit 0.
    public var succeeded: Bool { exitCode == 0 }

    /// `exit 0`, `exit 1`, `killed at its time limit`.
    public var status: String {
      if timedOut { return "killed at its time limit" }
      return exitCode.map { "exit \($0)" } ?? "killed by a signal"
    }
  }

  /// A child that could not be started or waited for, with the failing call and its error.
  public struct Failure: Error, CustomStringConvertible {
    /// What failed, e.g. `posix_spawnp xl: No such file or directory`.
    public let description: String

    /// A failure described by `description`.
    public init(description: String) { self.description = description }
  }

  /// Runs `arguments` (looked up on PATH) with stdin from /dev/null, stdout into `outputPath` and stderr into
  /// `errorPath` (into `outputPath` too when `nil`), killing it with SIGKILL once `limit` has passed. `outputBytes`
  /// bounds how much of the output the outcome carries (its end).
  public static func run(
    _ arguments: [String], limit: Duration, outputPath: String, errorPath: String? = nil, outputBytes: Int = 600
  ) async throws -> Outcome {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    if let errorPath {
      posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    } else {
      posix_spawn_file_actions_adddup2(&actions, 1, 2)
    }
    let clock = ContinuousClock()
    let start = clock.now
    let pid = try spawn(arguments, actions: &actions)
    var status: Int32 = 0
    var timedOut = false
    // Polled, not waited on with a blocking waitpid: a cooperative thread must not block for minutes.
    while true {
      let reaped = waitpid(pid, &status, WNOHANG)
      if reaped == pid { break }
      if reaped < 0 && errno != EINTR {
        throw Failure(description: "waitpid \(arguments[0]): \(String(cString: strerror(errno)))")
      }
      if clock.now - start >= limit || Task.isCancelled {
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        timedOut = true
        break
      }
      try? await Task.sleep(for: .milliseconds(100))
    }
    let elapsed = (clock.now - start).components
    // The wait status's low 7 bits are the killing signal, 0 for a normal exit with the code in bits 8-15.
    let exitCode: Int32? = status & 0x7f == 0 ? (status >> 8) & 0xff : nil
    return Outcome(
      exitCode: timedOut ? nil : exitCode, timedOut: timedOut,
      output: FileTail.read(outputPath, maxBytes: outputBytes) ?? "",
      milliseconds: Int(elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000))
  }

  /// Starts `arguments` (looked up on PATH) with the file actions given, no signal blocked, every signal at its
  /// default, and PATH as its whole environment (xl finds its helpers through it, and nothing else of ours is its
  /// business). The child would otherwise inherit the spawning thread's mask, which in a Swift process blocks nearly
  /// everything, SIGCHLD included: `xl save` then never heard its save helper exit and hung after writing the whole
  /// image (seen on real Xen, killed at its limit).
  static func spawn(_ arguments: [String], actions: inout posix_spawn_file_actions_t) throws(Failure) -> pid_t {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var unblocked = sigset_t()
    sigemptyset(&unblocked)
    posix_spawnattr_setsigmask(&attributes, &unblocked)
    var everySignal = sigset_t()
    sigfillset(&everySignal)
    posix_spawnattr_setsigdefault(&attributes, &everySignal)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let path = getenv("PATH").map { String(cString: $0) } ?? "/bin:/sbin:/usr/bin:/usr/sbin"
    let argv = arguments.map { strdup($0) } + [nil]
    let envp = [strdup("PATH=" + path)] + [nil]
    defer {
      for pointer in argv + envp { free(pointer) }
    }
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
    guard spawned == 0 else {
      throw Failure(description: "posix_spawnp \(arguments[0]): \(String(cString: strerror(spawned)))")
    }
    return pid
  }
}
