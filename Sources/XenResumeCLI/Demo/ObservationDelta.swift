import XenSimulator

/// What a simulated guest saw during one demo step: how much each counter of its `GuestObservations` grew, and
/// its health afterwards.
struct ObservationDelta: Sendable, Hashable, Encodable {
  /// Suspend requests it noticed.
  var suspendRequestsSeen = 0
  /// Suspend hypercalls it made.
  var suspendsCompleted = 0
  /// Wake-ups with "suspend cancelled".
  var resumesCancelled = 0
  /// Wake-ups as a new domain.
  var resumesAsNewDomain = 0
  /// Times it ran again without knowing it had been stopped.
  var resumesUnnoticed = 0
  /// PV driver reconnections.
  var driverReconnects = 0
  /// Whether it is in a state a real guest survives, after the step.
  var isHealthy = true
  /// What broke it, if anything.
  var failure: String?

  /// The counters' names and values, in the order the table prints them.
  var counters: [(name: String, short: String, value: Int)] {
    [
      ("suspendRequestsSeen", "request", suspendRequestsSeen), ("suspendsCompleted", "suspend", suspendsCompleted),
      ("resumesCancelled", "cancelled", resumesCancelled), ("resumesAsNewDomain", "new-domain", resumesAsNewDomain),
      ("resumesUnnoticed", "unnoticed", resumesUnnoticed), ("driverReconnects", "reconnect", driverReconnects),
    ]
  }

  /// The change from `before` to `after`.
  init(from before: GuestObservations, to after: GuestObservations) {
    suspendRequestsSeen = after.suspendRequestsSeen - before.suspendRequestsSeen
    suspendsCompleted = after.suspendsCompleted - before.suspendsCompleted
    resumesCancelled = after.resumesCancelled - before.resumesCancelled
    resumesAsNewDomain = after.resumesAsNewDomain - before.resumesAsNewDomain
    resumesUnnoticed = after.resumesUnnoticed - before.resumesUnnoticed
    driverReconnects = after.driverReconnects - before.driverReconnects
    isHealthy = after.isHealthy
    failure = after.failure
  }

  enum CodingKeys: String, CodingKey {
    case suspendRequestsSeen, suspendsCompleted, resumesCancelled, resumesAsNewDomain, resumesUnnoticed
    case driverReconnects, isHealthy, failure
  }

  /// Encodes every field, `failure` as `null` for a healthy guest.
  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(suspendRequestsSeen, forKey: .suspendRequestsSeen)
    try container.encode(suspendsCompleted, forKey: .suspendsCompleted)
    try container.encode(resumesCancelled, forKey: .resumesCancelled)
    try container.encode(resumesAsNewDomain, forKey: .resumesAsNewDomain)
    try container.encode(resumesUnnoticed, forKey: .resumesUnnoticed)
    try container.encode(driverReconnects, forKey: .driverReconnects)
    try container.encode(isHealthy, forKey: .isHealthy)
    try container.encode(failure, forKey: .failure)
  }

  /// `request+1 suspend+1 cancelled+1, healthy`: the counters that moved, then the guest's health.
  var summary: String {
    let moved = counters.filter { $0.value != 0 }.map { "\($0.short)+\($0.value)" }
    let health = isHealthy ? "healthy" : "UNHEALTHY (\(failure ?? "no reason given"))"
    return (moved.isEmpty ? "nothing" : moved.joined(separator: " ")) + ", " + health
  }
}
