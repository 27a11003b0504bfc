/// Why Xen considers a domain shut down (`SHUTDOWN_*` in `xen/sched.h`).
public enum ShutdownReason: UInt32, Sendable, Hashable, CaseIterable, Codable {
  /// `SHUTDOWN_poweroff`: the guest halted.
  case poweroff = 0
  /// `SHUTDOWN_reboot`: the guest asked to be restarted (also how a panicked Linux guest ends).
  case reboot = 1
  /// `SHUTDOWN_suspend`: the guest is suspended and may be resumed.
  case suspend = 2
  /// `SHUTDOWN_crash`: the guest crashed.
  case crash = 3
  /// `SHUTDOWN_watchdog`: the guest's watchdog fired.
  case watchdog = 4
  /// `SHUTDOWN_soft_reset`: the guest asked for a soft reset.
  case softReset = 5
}

extension ShutdownReason: CustomStringConvertible {
  /// The name libxl and `xl` use.
  public var description: String {
    switch self {
    case .poweroff: "poweroff"
    case .reboot: "reboot"
    case .suspend: "suspend"
    case .crash: "crash"
    case .watchdog: "watchdog"
    case .softReset: "soft_reset"
    }
  }
}
