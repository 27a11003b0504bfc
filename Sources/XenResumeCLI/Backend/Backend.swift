import SwiftXenResume
import XenSimulator

/// The host a command runs on, once chosen and opened.
struct Backend: Sendable {
  /// Which backend it is.
  var kind: BackendKind
  /// The host every library call goes through.
  var host: any XenHost
  /// The simulated host, in simulator mode, for what only a simulator can do (`--suspend-first`).
  var simulator: SimulatedXenHost?
  /// The simulated guests by domain id, in simulator mode.
  var simulatedGuests: [(domain: DomainID, token: SimulatedGuestToken)]
}
