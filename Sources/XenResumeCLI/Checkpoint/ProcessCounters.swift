#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// What this process has cost the machine so far: CPU time and context switches of all its threads (getrusage sums
/// live and ended threads), and wake-ups, the times any of its threads was put on a CPU (the second count in each
/// thread's `/proc/self/task/<tid>/schedstat`). Under a PV dom0 every switch and wake-up goes through the
/// hypervisor, so these are what a cycle costs dom0 beyond its own time.
///
/// Two readings bracket a window; each reads `/proc` outside its `getrusage` (first on the way in, last on the way
/// out), so reading the files costs the window's CPU and switch counts nothing.
struct ProcessCounters: Sendable, Hashable, Encodable {
  /// User CPU time.
  var userMicroseconds: Double
  /// System CPU time.
  var systemMicroseconds: Double
  /// Switches because a thread blocked (waited for something).
  var voluntarySwitches: Int
  /// Switches because a thread was preempted.
  var involuntarySwitches: Int
  /// Times any thread was scheduled onto a CPU; -1 when `/proc` could not be read.
  var wakeups: Int

  /// A reading taken on entering a window.
  static func enteringWindow() -> ProcessCounters {
    let wakeups = threadWakeups()
    var counters = usage()
    counters.wakeups = wakeups
    return counters
  }

  /// A reading taken on leaving a window.
  static func leavingWindow() -> ProcessCounters {
    var counters = usage()
    counters.wakeups = threadWakeups()
    return counters
  }

  /// What happened from `earlier` to this reading.
  func since(_ earlier: ProcessCounters) -> ProcessCounters {
    ProcessCounters(
      userMicroseconds: userMicroseconds - earlier.userMicroseconds,
      systemMicroseconds: systemMicroseconds - earlier.systemMicroseconds,
      voluntarySwitches: voluntarySwitches - earlier.voluntarySwitches,
      involuntarySwitches: involuntarySwitches - earlier.involuntarySwitches,
      wakeups: wakeups < 0 || earlier.wakeups < 0 ? -1 : wakeups - earlier.wakeups)
  }

  private static func usage() -> ProcessCounters {
    var usage = rusage()
    // RUSAGE_SELF cannot fail for a valid pointer.
    _ = getrusage(RUSAGE_SELF.rawValue, &usage)
    func microseconds(_ time: timeval) -> Double { Double(time.tv_sec) * 1e6 + Double(time.tv_usec) }
    return ProcessCounters(
      userMicroseconds: microseconds(usage.ru_utime), systemMicroseconds: microseconds(usage.ru_stime),
      voluntarySwitches: usage.ru_nvcsw, involuntarySwitches: usage.ru_nivcsw, wakeups: 0)
  }

  /// The sum over this process's threads of their run counts, or -1.
  private static func threadWakeups() -> Int {
    guard let directory = opendir("/proc/self/task") else { return -1 }
    defer { closedir(directory) }
    var total = 0
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
      guard name.first?.isNumber == true, let runs = runCount(ofThread: name) else { continue }
      total += runs
    }
    return total
  }

  /// The third number of `/proc/self/task/<thread>/schedstat` (run time, wait time, run count); `nil` for a thread
  /// that ended meanwhile.
  private static func runCount(ofThread thread: String) -> Int? {
    let descriptor = open("/proc/self/task/\(thread)/schedstat", O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var buffer = [UInt8](repeating: 0, count: 96)
    let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
    guard count > 0 else { return nil }
    let fields = buffer[..<count].split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") })
    guard fields.count >= 3 else { return nil }
    return Int(String(decoding: fields[2], as: UTF8.self))
  }
}
