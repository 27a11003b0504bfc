/// How a simulated PV-aware guest answers a suspend request, modelled on guests seen in the field.
///
/// The behaviour decides whether and how the guest acknowledges a request on `control/shutdown` (or on its suspend
/// event channel) and whether it then really suspends. Pure HVM guests never see requests and ignore it.
public enum GuestBehaviour: String, Sendable, Hashable, CaseIterable, Codable {
  /// Acknowledges by writing "" to `control/shutdown` inside a transaction (as Linux does), then suspends.
  case cooperative
  /// Never acknowledges, neither on `control/shutdown` nor on its suspend event channel, and never suspends.
  case ignoresSuspendRequest
  /// Acknowledges, then stays running (Linux when freezing tasks fails): a toolstack has to time out.
  case acknowledgesButNeverSuspends
  /// Acknowledges, then shuts down with reason crash instead of suspending.
  case crashesOnSuspend
  /// Acknowledges by deleting `control/shutdown` (Windows PV drivers of the 8.x line), then suspends.
  case acknowledgesByDeletingNode
  /// Acknowledges by writing some other text to `control/shutdown` (it still counts as an acknowledgement), then
  /// suspends.
  case acknowledgesWithGarbage
}

extension GuestBehaviour {
  /// Whether the guest acknowledges a request it saw.
  var acknowledges: Bool { self != .ignoresSuspendRequest }

  /// Whether the guest goes on to make its suspend hypercall after acknowledging.
  var suspendsAfterAcknowledging: Bool {
    switch self {
    case .cooperative, .acknowledgesByDeletingNode, .acknowledgesWithGarbage: true
    case .ignoresSuspendRequest, .acknowledgesButNeverSuspends, .crashesOnSuspend: false
    }
  }
}
