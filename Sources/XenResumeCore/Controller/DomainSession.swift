/// What a controller learned about one domain and holds for it between operations, so that a checkpoint loop
/// asks Xen only what can change from one cycle to the next.
///
/// A session belongs to one domain, not to an id: ids come back once a domain is destroyed (Xen's rover wraps,
/// xl's `domid_policy="random"`, `xl restore` of an image saved with `-D`), so every operation first checks that
/// the domain under the id is still the one the session describes (`describes(_:)`), and relearns when it is not.
struct DomainSession: Sendable {
  /// The domain's handle when the session was learned.
  let handle: DomainHandle
  /// The largest `cpu_time` seen: it grows while one domain lives, so a clearly smaller one means a new domain.
  var cpuTime: UInt64
  /// PV, PVH or PVHVM never change while a domain lives. A pure HVM guest may still load PV drivers, so its
  /// type is re-read on every suspend.
  var guestType: GuestType
  /// The vcpu context width: the guest's for PV, the host's for HVM containers.
  var width: GuestWidth
  /// The path libxl's rules choose when the caller does not force one, from the facts read for the last suspend.
  var plan: SuspendPlan
  /// The guest's advertised suspend port, as read for the last suspend.
  var remoteSuspendPort: EventChannelPort?
  /// Our bound local port, subscribed for suspend, and the guest port it is bound to, once the event channel
  /// path has been used.
  var suspendChannel: (local: EventChannelPort, remote: EventChannelPort)?
  /// The watch on `control/shutdown` the xenstore control path keeps between suspends, with the registration of
  /// the `@releaseDomain` watch it was made beside (see `keptControlWatch(of:)`); removed when the session is
  /// dropped.
  var controlWatch: (watch: XenStoreWatchID, registration: UInt64)?
  /// Whether this controller holds the domain's cross-process suspend lock.
  var holdsSuspendLock = false
  /// How this controller last suspended the domain, until it resumes it. It decides whether vcpu0 is inside its
  /// suspend hypercall (cooperative paths) or was stopped wherever it was (hypervisor shutdown), and whether the
  /// suspend Xen reports is this controller's at all.
  var suspendedBy: SuspendPath?
  /// Whether the guest acknowledges by deleting `control/shutdown`, so the next request must recreate the node
  /// with the guest as its owner (a plain write would inherit the parent's permissions and lock the guest out).
  var controlNodeMissing = false
  /// Whether a PVH guest has announced `control/feature-suspend` (read until it has).
  var announcedFeatureSuspend = false
  /// Set after a resume as a new domain: the guest set itself up again (a classic XenLinux guest advertises a new
  /// suspend port), so the next suspend learns its facts afresh, keeping the lock.
  var needsRelearning = false
  /// Set when a failed slow resume had already reset secondary vcpus: the guest can then only be resumed slow,
  /// and a fast resume is refused instead of waking it with vcpus it does not expect to be down.
  var secondaryVCPUsReset = false
  /// Set while a soft-reset resume that got past `XEN_DOMCTL_soft_reset` has not finished rebuilding the guest's
  /// channels: the domain is held paused, and only a slow resume (which goes on from here) is accepted for it.
  var softResetRebuild: SoftResetRebuild?
  /// Set for a session made only to resume a domain this controller did not suspend; dropped once that resume
  /// succeeds, so that it never vouches for a later suspend by someone else.
  var resumeOnly = false
  /// `control/shutdown`'s path, built once: a checkpoint loop writes it every cycle.
  let controlNode: String

  init(info: DomainInfo, guestType: GuestType, width: GuestWidth, plan: SuspendPlan) {
    self.handle = info.handle
    self.cpuTime = info.cpuTime
    self.guestType = guestType
    self.width = width
    self.plan = plan
    self.controlNode = XenStorePath.controlShutdown(of: plan.domain)
  }

  /// Whether `info` is the domain this session was learned from: the same handle, and no less CPU time than
  /// already seen, give or take `cpuTimeReadingSkew`. Records the largest CPU time seen.
  mutating func describes(_ info: DomainInfo) -> Bool {
    guard info.handle == handle, info.cpuTime &+ Self.cpuTimeReadingSkew >= cpuTime else { return false }
    cpuTime = max(cpuTime, info.cpuTime)
    return true
  }

  /// How much less CPU time a reading may show than an earlier one of the same domain, in nanoseconds.
  ///
  /// `cpu_time` is not monotonic across readings: for a vcpu running at the time, Xen adds its current stint as
  /// the reading CPU's `NOW()` minus the entry time the vcpu's own CPU stamped (`vcpu_runstate_get`), so a reading
  /// taken while the guest runs can exceed a later one by the skew between two CPUs' clocks. The labs' emulated
  /// Xen 4.17 showed it: a reading taken once the guest was suspended was smaller, and the controller took its own
  /// guest for a new domain. 250 ms is far beyond any skew Xen's once-a-second time calibration leaves, and far
  /// below the CPU time of a guest anyone checkpoints: a new domain under the same handle (`xl restore` of an image
  /// saved with `-D`) starts from zero.
  static let cpuTimeReadingSkew: UInt64 = 250_000_000
}
