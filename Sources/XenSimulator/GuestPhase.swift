/// Where a simulated guest is in its suspend/resume life, as the guest itself would describe it.
public enum GuestPhase: String, Sendable, Hashable, CaseIterable, Codable {
  /// Running normally.
  case running
  /// Acknowledged a suspend request and is on its way into the suspend hypercall.
  case suspending
  /// Stopped inside its own `SCHEDOP_shutdown(SHUTDOWN_suspend)` hypercall, waiting for its return value.
  case suspended
  /// Stopped by someone else's `xc_domain_shutdown` at an arbitrary point; it was not told.
  case stoppedByForce
  /// Crashed or panicked: it will not do anything useful again.
  case dead
}
