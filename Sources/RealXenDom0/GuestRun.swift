import DomZeroProcess
import RealXenLab

import enum XenResumeLifecycle.ConsoleCounter

/// A lab guest in this run: the table's entry and where dom0 reads its console.
public struct GuestRun: Sendable, Hashable {
  /// The table's entry.
  public var guest: LabGuest
  /// Its domain id, once created.
  public var domain: Int

  /// A guest running as `domain`.
  public init(guest: LabGuest, domain: Int) {
    self.guest = guest
    self.domain = domain
  }

  /// Its name ("pv", "pv510", …).
  public var name: String { guest.name }
  /// Its type.
  public var kind: GuestKind { guest.type }
  /// The domain id as a command-line argument.
  public var id: String { String(domain) }

  /// Its console log: xenconsoled's guest log for PV and PVH, the emulated serial port's file for HVM guests.
  public static func consoleLog(of guest: LabGuest) -> String {
    guest.type.hasDeviceModel
      ? "/var/log/xen/serial-\(guest.domainName).log" : "/var/log/xen/console/guest-\(guest.domainName).log"
  }

  /// This guest's console log.
  public var consoleLog: String { Self.consoleLog(of: guest) }
}

/// Reads the guests' consoles: the `RX-COUNTER n` lines their init prints once a second.
public enum GuestConsole {
  /// The guest's last counter (0 before the first line).
  public static func counter(of guest: LabGuest) -> Int {
    FileTail.read(GuestRun.consoleLog(of: guest), maxBytes: 4096).flatMap(ConsoleCounter.last(in:)) ?? 0
  }

  /// How long a live guest may take to print its next line: emulated HVM guests are slower, and slowest while the
  /// lab's later guests boot. In the CI run of 2026-12-07 the 4.17 lab's pure HVM guest, at its 21st line, printed
  /// nothing for 40 s after a fast cycle while xen-resume's commands there took up to 30 s, and ran on afterwards
  /// (its later scenarios found it alive): 90 s keeps such a stall from reading as a death, and costs only a guest
  /// that really died.
  public static func aliveLimit(of guest: LabGuest) -> Double { guest.type.hasDeviceModel ? 90 : 15 }

  /// Waits until the guest's counter moves past its current value, for at most `seconds` (its type's limit by
  /// default).
  public static func alive(_ guest: LabGuest, within seconds: Double? = nil) async -> Liveness {
    let limit = seconds ?? aliveLimit(of: guest)
    let before = counter(of: guest)
    let moved = await poll(within: limit) {
      let now = counter(of: guest)
      return now > before ? now : nil
    }
    if let moved { return Liveness(alive: true, counter: "\(before)->\(moved)") }
    return Liveness(alive: false, counter: "\(before)->\(counter(of: guest)) (no progress in \(Int(limit))s)")
  }

  /// Waits until the guest's counter reaches `target`, for at most `seconds`; the counter then (below `target` when
  /// it did not get there).
  public static func counter(of guest: LabGuest, reaching target: Int, within seconds: Double) async -> Int {
    await poll(within: seconds) {
      let now = counter(of: guest)
      return now >= target ? now : nil
    } ?? counter(of: guest)
  }

  /// The counters the guest printed after the first `line` lines of its console (`SlowConsole.lineCount`), in order.
  public static func counters(of guest: LabGuest, afterLine line: Int) -> [Int] {
    SlowConsole.linesAfter(line, in: SlowConsole.read(GuestRun.consoleLog(of: guest))).compactMap(
      ConsoleCounter.last(in:))
  }

  /// Waits until `done` holds for the counters the guest printed after the first `line` lines of its console, for at
  /// most `seconds`; those counters then.
  public static func counters(
    of guest: LabGuest, afterLine line: Int, within seconds: Double, until done: ([Int]) -> Bool
  ) async -> [Int] {
    await poll(within: seconds) {
      let now = counters(of: guest, afterLine: line)
      return done(now) ? now : nil
    } ?? counters(of: guest, afterLine: line)
  }

  /// Asks `check` every half second until it answers, for at most `seconds`; `nil` when it never did. A console log
  /// has nothing to wait on but its size, and the guest writes once a second.
  private static func poll<Value>(within seconds: Double, _ check: () -> Value?) async -> Value? {
    let clock = ContinuousClock()
    let end = clock.now + .milliseconds(Int(seconds * 1000))
    while clock.now < end {
      try? await Task.sleep(for: .milliseconds(500))
      if let value = check() { return value }
    }
    return nil
  }
}
