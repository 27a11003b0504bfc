import ArgumentParser
import SwiftXenResume

/// `--path auto|event-channel|xenstore|shutdown`: which suspend path to force, or `auto` to let the library
/// choose as libxl does.
enum SuspendPathArgument: String, Sendable, CaseIterable, ExpressibleByArgument {
  /// Let `SuspendController` choose.
  case auto
  /// `SuspendPath.eventChannel`.
  case eventChannel = "event-channel"
  /// `SuspendPath.xenstoreControl`.
  case xenstore
  /// `SuspendPath.hypervisorShutdown`.
  case shutdown

  /// The library's path, `nil` for `auto`.
  var path: SuspendPath? {
    switch self {
    case .auto: nil
    case .eventChannel: .eventChannel
    case .xenstore: .xenstoreControl
    case .shutdown: .hypervisorShutdown
    }
  }
}
