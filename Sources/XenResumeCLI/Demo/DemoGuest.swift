import SwiftXenResume
import XenSimulator

/// The demo's guests: one of each type and width, both PVHVM flavours, and one that never acknowledges.
struct DemoGuest: Sendable {
  /// The name the table shows (the `--simulate` token where there is one).
  var name: String
  /// What the simulator starts.
  var guest: SimulatedGuest
  /// The path `suspend` must choose for it, libxl's way.
  var expectedPath: SuspendPath
  /// Whether it is the guest that never acknowledges, whose only step is a suspend that times out.
  var neverAcknowledges = false

  /// The guests in the order they are created (domain ids from 1).
  static let all: [DemoGuest] = [
    DemoGuest(name: "pv32", guest: SimulatedGuestToken.pv32.guest, expectedPath: .xenstoreControl),
    DemoGuest(name: "pv64", guest: SimulatedGuestToken.pv64.guest, expectedPath: .xenstoreControl),
    DemoGuest(name: "pvhvm-evtchn", guest: SimulatedGuestToken.pvhvmEventChannel.guest, expectedPath: .eventChannel),
    DemoGuest(name: "pvhvm", guest: SimulatedGuestToken.pvhvm.guest, expectedPath: .xenstoreControl),
    DemoGuest(name: "hvm", guest: SimulatedGuestToken.hvm.guest, expectedPath: .hypervisorShutdown),
    DemoGuest(name: "pvh", guest: SimulatedGuestToken.pvh.guest, expectedPath: .xenstoreControl),
    DemoGuest(
      name: "stuck", guest: SimulatedGuestToken.stuck.guest, expectedPath: .xenstoreControl, neverAcknowledges: true),
  ]

  /// Whether the guest has PV drivers (everything but pure HVM).
  var isPVAware: Bool { guest.type.isPVAware }

  /// Whether it advertises a suspend event channel.
  var hasEventChannel: Bool { guest.advertisesSuspendEventChannel }
}
