/// How a guest is told to suspend.
public enum SuspendPath: String, Sendable, Hashable, CaseIterable, Codable {
  /// The guest's own suspend event channel (`device/suspend/event-channel`), bound and notified by the toolstack.
  case eventChannel
  /// The xenstore control node: `control/shutdown` = `suspend`, acknowledged by the guest.
  case xenstoreControl
  /// `xc_domain_shutdown(SHUTDOWN_suspend)`: Xen stops the guest without telling it. Only for HVM guests without
  /// PV drivers, which are not inside a hypercall and whose registers must then stay untouched.
  case hypervisorShutdown
}

extension SuspendPath: CustomStringConvertible {
  /// The name operators see: `event-channel`, `xenstore`, `shutdown`.
  public var description: String {
    switch self {
    case .eventChannel: "event-channel"
    case .xenstoreControl: "xenstore"
    case .hypervisorShutdown: "shutdown"
    }
  }
}

/// Which stage of a suspend ran out of time.
public enum SuspendStage: String, Sendable, Hashable, Codable, CustomStringConvertible {
  /// Waiting for the guest to acknowledge the request on its control node.
  case acknowledgement
  /// Waiting for Xen to report the domain shut down with reason suspend.
  case suspension

  /// The stage's name.
  public var description: String { rawValue }
}
