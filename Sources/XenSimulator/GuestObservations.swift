import XenResumeCore

/// What a simulated guest itself experienced: the counterpart of what Xen reports through `domainInfo`.
///
/// Tests use it to check that a toolstack did not only get the right answers from Xen but also left the guest in a
/// state a real guest would survive.
public struct GuestObservations: Sendable, Hashable {
  /// Suspend requests the guest noticed (on `control/shutdown` or its suspend event channel) while not already busy
  /// with one.
  public var suspendRequestsSeen = 0
  /// Requests it ignored because a suspend was already in progress (as Linux does).
  public var requestsIgnoredWhileBusy = 0
  /// Acknowledgements that reached xenstore.
  public var acknowledgements = 0
  /// Acknowledgements xenstore refused (the guest lost write access to `control/shutdown`); the guest carries on
  /// with the suspend anyway, as Linux does.
  public var acknowledgementsRefused = 0
  /// Suspend hypercalls the guest made (each one left the domain shut down with reason suspend).
  public var suspendsCompleted = 0
  /// The suspend hypercalls the guest remembers making: a count it keeps in a page of its own memory, one up at each
  /// suspend hypercall. Unlike `suspendsCompleted`, which counts from outside what happened, it is what the guest's
  /// memory says, so a rewind of its memory takes it back to the count at the capture.
  public var suspendsRemembered: UInt64 = 0
  /// Times it woke from its suspend hypercall with a non-zero return ("suspend cancelled").
  public var resumesCancelled = 0
  /// Times it woke from its suspend hypercall with 0 ("resumed as a new domain").
  public var resumesAsNewDomain = 0
  /// Times it ran again without knowing it had been stopped (pure HVM, or after a forced shutdown).
  public var resumesUnnoticed = 0
  /// Times its PV drivers disconnected and reconnected through xenstore.
  public var driverReconnects = 0
  /// Times it registered its shared_info page again (PVHVM and PVH after a resume as a new domain).
  public var sharedInfoRegistrations = 0
  /// vcpu_info registrations Xen accepted from the guest (`VCPUOP_register_vcpu_info`): one per vcpu at boot, and
  /// one per vcpu again each time it woke as a new domain in a domain whose registrations a soft reset dropped.
  public var vcpuInfoRegistrations = 0
  /// Times a hostile guest rewrote `control/shutdown` with "suspend" itself (`HostileGuest.watchStorm`).
  public var controlNodeRewrites = 0
  /// Times a hostile guest advertised a suspend port it had just allocated, closing the one before.
  public var suspendPortsReadvertised = 0
  /// Where the guest is now.
  public var phase: GuestPhase = .running
  /// The suspend event channel port it currently advertises, if any.
  public var advertisedSuspendPort: EventChannelPort?
  /// Whether the guest's xenbus reaches xenstored now: the port it uses for xenstore (start_info's `store_evtchn`,
  /// or `HVM_PARAM_STORE_EVTCHN` as it last read it) is the one xenstored is bound to. False for a guest without PV
  /// drivers, while `XEN_DOMCTL_soft_reset` has its channels closed, and for good once its xenbus found no
  /// xenstored when it woke as a new domain: such a guest sees no request and reconnects no driver again.
  public var xenstoreConnected = false
  /// Whether the guest's PV console reaches xenconsoled now: the port it uses (`HVM_PARAM_CONSOLE_EVTCHN` as it
  /// last read it in an HVM container) is the one xenconsoled is bound to. A guest whose console is not connected
  /// runs on, but nothing it prints arrives. False for a guest without PV drivers.
  public var consoleConnected = false
  /// Whether the guest is in a state a real guest would survive. Once false it stays false.
  public var isHealthy = true
  /// What broke the guest, when `isHealthy` is false: the first fatal thing that happened to it (for a kernel
  /// panic, the panic's line, e.g. "register_vcpu_info failed: cpu=0 err=-22").
  public var failure: String?
  /// The line the guest's kernel panicked with, without the timestamp, if it panicked (also its `failure`).
  public var kernelPanic: String?
  /// Whether the guest's kernel stopped making progress while Xen still reports the domain running (a hang, not a
  /// panic): it answers nothing again.
  public var isHung = false

  /// Empty observations: what `observations(of:)` returns for a domain without a guest model.
  public init() {}
}
