import DomZeroProcess

/// dom0's uptime, the harness's one time line: the deadline, the boot timings and the marks are all in it.
public enum Uptime {
  /// Seconds since dom0 booted (/proc/uptime's first field).
  public static func seconds() -> Double {
    let text = FileTail.read("/proc/uptime", maxBytes: 64) ?? ""
    return text.split(separator: " ").first.flatMap { Double($0) } ?? 0
  }
}
