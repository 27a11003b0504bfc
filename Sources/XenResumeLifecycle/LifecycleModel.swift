import XenResumeCore

/// A guest the lifecycle scenarios run on: its domain and the type the caller says it is.
public struct LifecycleGuest: Sendable, Hashable, CustomStringConvertible {
  /// The guest's domain.
  public var domain: DomainID
  /// Its type, as the caller booted it (the scenarios that apply to it follow from it).
  public var type: GuestType

  /// A guest.
  public init(domain: DomainID, type: GuestType) {
    self.domain = domain
    self.type = type
  }

  /// `domain 3 (pv)`.
  public var description: String { "domain \(domain) (\(type.rawValue))" }
}

/// The lifecycle scenarios: situations a long-lived toolstack daemon meets that a one-shot command never does.
public enum LifecycleScenario: String, Sendable, Hashable, CaseIterable {
  /// Another toolstack suspends a guest this controller cycled before; the controller must refuse to suspend or
  /// resume it and leave it exactly as the other toolstack left it.
  case foreignSuspend = "foreign-suspend"
  /// Another toolstack left a suspend subscription behind (libxenguest never unsubscribes); the controller's
  /// xenstore suspend must still finish promptly.
  case leftoverSubscription = "leftover-subscription"
  /// The event channel path where the guest offers one, then the xenstore path forced, on one controller.
  case eventChannelThenXenStore = "eventchannel-then-xenstore"
  /// The guest is saved and restored under the same id (a new domain); the same controller checkpoints it again.
  case domainReuse = "domid-reuse"
  /// xenstored dies while the controller waits on a suspend of a paused guest: the suspend must fail promptly with
  /// an error naming the lost connection, not wait out its timeout. Not in `standard`: it ends the host's xenstore,
  /// so only the very last act of a run may be this.
  case xenstoredLost = "xenstored-lost"

  /// The scenarios a run can go on after, in the order they run.
  public static let standard: [LifecycleScenario] = [
    .foreignSuspend, .leftoverSubscription, .eventChannelThenXenStore, .domainReuse,
  ]

  /// Whether the scenario runs on a guest of this type: the xenstore ones need a PV-aware guest, and the save and
  /// restore runs on PV only (the cheapest image to save under emulation).
  public func applies(to type: GuestType) -> Bool {
    switch self {
    case .foreignSuspend: true
    case .leftoverSubscription, .eventChannelThenXenStore, .xenstoredLost: type.isPVAware
    case .domainReuse: type == .pv
    }
  }
}

/// Timeouts and choices of a lifecycle run.
public struct LifecycleSettings: Sendable {
  /// The budget of each suspend the controller is expected to complete (a PVHVM suspend takes seconds under
  /// emulation).
  public var cycleTimeout: Duration
  /// The budget of a suspend the controller must refuse: a refusal is immediate, so this only bounds a library that
  /// tries anyway (and, waiting on a guest that can no longer answer, would otherwise wait the whole cycle timeout).
  public var refusalTimeout: Duration
  /// The suspend timeout of the leftover-subscription scenario; the suspend must finish well within it.
  public var leftoverTimeout: Duration
  /// The port the other toolstack subscribes: one the guest does not use, so Xen's suspend event goes nowhere.
  public var leftoverPort: EventChannelPort
  /// How long the other toolstack's own actions may take to show in Xen's state (a forced suspend, a resume).
  public var settleTimeout: Duration
  /// How long the other toolstack may take to replace a domain (save and restore under emulation).
  public var replaceTimeout: Duration
  /// The suspend timeout of the xenstored-lost scenario: the failure must come well before it.
  public var xenstoredLostTimeout: Duration
  /// The scenarios to run, in order.
  public var scenarios: [LifecycleScenario]

  /// Settings; the defaults are the real-Xen harness's.
  public init(
    cycleTimeout: Duration = .seconds(60),
    refusalTimeout: Duration = .seconds(10),
    leftoverTimeout: Duration = .seconds(30),
    leftoverPort: EventChannelPort = EventChannelPort(1023),
    settleTimeout: Duration = .seconds(15),
    replaceTimeout: Duration = .seconds(300),
    xenstoredLostTimeout: Duration = .seconds(60),
    scenarios: [LifecycleScenario] = LifecycleScenario.standard
  ) {
    self.cycleTimeout = cycleTimeout
    self.refusalTimeout = refusalTimeout
    self.leftoverTimeout = leftoverTimeout
    self.leftoverPort = leftoverPort
    self.settleTimeout = settleTimeout
    self.replaceTimeout = replaceTimeout
    self.xenstoredLostTimeout = xenstoredLostTimeout
    self.scenarios = scenarios
  }
}

/// Whether a guest is alive, and what showed it.
public struct Liveness: Sendable {
  /// Whether the guest made progress.
  public var alive: Bool
  /// What was seen (in dom0: the console counter, `"41->42"`).
  public var evidence: String

  /// A verdict.
  public init(alive: Bool, evidence: String) {
    self.alive = alive
    self.evidence = evidence
  }
}

/// Another toolstack on the same host: the actor the controller shares its guests with.
///
/// Its raw calls go through `host`, a `XenHost` separate from the controller's (in dom0 a second `LibxenHost`), so the
/// controller learns of them only through Xen's state. What a toolstack does beyond the seam (pause, save and
/// restore, and judging that a guest is alive) is this protocol's.
public protocol OtherToolstack: Sendable {
  /// The other toolstack's own connection to Xen.
  var host: any XenHost { get }

  /// Pauses a domain (`xl pause`: one more pause reference; a resume does not undo it).
  func pause(_ domain: DomainID) async throws

  /// Drops the pause reference `pause(_:)` took.
  func unpause(_ domain: DomainID) async throws

  /// Replaces the guest by a new domain under the same id (`xl save -D` + `xl restore`), each stage within
  /// `timeout`, and says what it measured (sizes, times) and what went wrong.
  func replace(_ guest: LifecycleGuest, timeout: Duration) async -> Replacement

  /// Whether the guest is alive: it makes progress of its own (in dom0, its console counter moves).
  func liveness(of guest: LifecycleGuest) async -> Liveness

  /// Suspends a PV-aware guest cooperatively its own way (in dom0 the C reference client: `control/shutdown`, then
  /// `@releaseDomain`), without resuming it, and says what it ran.
  func suspendCooperatively(_ guest: LifecycleGuest, timeout: Duration) async throws -> String

  /// Suspends a guest that advertises a suspend event channel through that channel, as libxl does (in dom0 the C
  /// reference client: libxenguest's `xc_suspend_evtchn_init_exclusive`, a notification, `xc_await_suspend`, then
  /// `xc_suspend_evtchn_release`, which leaves the subscription in place), without resuming it, and says what it ran.
  /// It takes the guest's suspend lock, so it fails while a controller session holds it.
  func suspendThroughChannel(_ guest: LifecycleGuest, timeout: Duration) async throws -> String

  /// Resumes fast a guest `suspendCooperatively` suspended (the guest sees its suspend cancelled), and says how.
  func resumeCooperatively(_ guest: LifecycleGuest) async throws -> String

  /// Kills the host's xenstored (the xenstored-lost scenario) and says what it killed.
  func killXenStore() async throws -> String
}

extension OtherToolstack {
  /// A toolstack that cannot kill xenstored (the simulator has no process to kill) says so.
  public func killXenStore() async throws -> String {
    throw LifecycleUnsupported(what: "killing xenstored")
  }
}

/// What an `OtherToolstack` cannot do here.
public struct LifecycleUnsupported: Error, CustomStringConvertible {
  /// The action.
  public var what: String

  /// `what` cannot be done here.
  public init(what: String) {
    self.what = what
  }

  /// `killing xenstored is not supported by this toolstack`.
  public var description: String { "\(what) is not supported by this toolstack" }
}

/// What another toolstack's replacement of a domain measured, and whether it worked.
public struct Replacement: Sendable {
  /// Observations for the result line (image size, free space, how long each stage took, tools' output).
  public var facts: [JSONMember]
  /// What went wrong; `nil` when the new domain runs under the old id.
  public var failure: String?

  /// A report.
  public init(facts: [JSONMember], failure: String? = nil) {
    self.facts = facts
    self.failure = failure
  }
}
