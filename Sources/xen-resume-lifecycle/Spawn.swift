import Glibc

/// Runs dom0's tools (xl) as child processes with `posix_spawn`, each with a time limit, its output in a file.
enum Spawn {
  /// How a child ended.
  struct Outcome: Sendable {
    /// The exit code; `nil` when it was killed.
    var exitCode: Int32?
    /// Whether the time limit killed it.
    var timedOut: Bool
    /// The end of what it printed (stdout and stderr together).
    var output: String
    /// From spawn to exit.
    var milliseconds: Int

    var succeeded: Bool { exitCode == 0 }

    /// `exit 0`, `exit 1`, `killed after the 150 s limit`.
    var status: String {
      if timedOut { return "killed at its time limit" }
      return exitCode.map { "exit \($0)" } ?? "killed by a signal"
    }
  }

  struct Failure: Error, CustomStringConvertible {
    let description: String
  }

  /// Runs `arguments` (looked up on PATH) with stdin from /dev/null and stdout and stderr into `outputPath`, killing
  /// it with SIGKILL once `limit` has passed.
  static func run(_ arguments: [String], limit: Duration, outputPath: String) async throws -> Outcome {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    // The child starts with no signal blocked and every signal at its default. Otherwise it inherits the spawning
    // thread's mask, which in a Swift process blocks nearly everything, SIGCHLD included: `xl save` then never heard
    // its save helper exit and hung after writing the whole image (seen on real Xen, killed at its limit).
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
    // The child gets PATH only: xl finds its helpers through it, and nothing else of ours is its business.
    let path = getenv("PATH").map { String(cString: $0) } ?? "/bin:/sbin:/usr/bin:/usr/sbin"
    let argv = arguments.map { strdup($0) } + [nil]
    let envp = [strdup("PATH=" + path)] + [nil]
    defer {
      for pointer in argv + envp { free(pointer) }
    }
    let clock = ContinuousClock()
    let start = clock.now
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
    guard spawned == 0 else {
      throw Failure(description: "posix_spawnp \(arguments[0]): \(String(cString: strerror(spawned)))")
    }
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
      output: FileTail.read(outputPath, maxBytes: 600) ?? "",
      milliseconds: Int(elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000))
  }
}

/// The ends of files (console logs, tools' output) and file system facts, with plain system calls.
enum FileTail {
  /// The last `maxBytes` of a file as text (invalid UTF-8 repaired); `nil` when it cannot be read.
  static func read(_ path: String, maxBytes: Int) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    let size = lseek(fd, 0, SEEK_END)
    guard size >= 0 else { return nil }
    let start = max(0, Int(size) - maxBytes)
    guard lseek(fd, off_t(start), SEEK_SET) >= 0 else { return nil }
    var bytes = [UInt8](repeating: 0, count: Int(size) - start)
    var filled = 0
    while filled < bytes.count {
      let got = bytes.withUnsafeMutableBytes { buffer in
        Glibc.read(fd, buffer.baseAddress! + filled, buffer.count - filled)
      }
      if got < 0 && errno == EINTR { continue }
      guard got > 0 else { break }
      filled += got
    }
    return String(decoding: bytes.prefix(filled), as: UTF8.self)
  }

  /// A file's size in bytes; `nil` when it does not exist.
  static func size(_ path: String) -> Int? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return Int(info.st_size)
  }

  /// Bytes an unprivileged writer may still put in the file system holding `path`.
  static func freeBytes(_ path: String) -> UInt64? {
    var info = statvfs()
    guard statvfs(path, &info) == 0 else { return nil }
    return UInt64(info.f_bavail) * UInt64(info.f_frsize)
  }
}
