/// What a controller learned about one domain and holds for it between operations, so that a checkpoint loop
/// asks Xen only what can change from one cycle to the next.
struct DomainSession: Sendable {
  /// PV, PVH or PVHVM never change while a domain lives. A pure HVM guest may still load PV drivers, so its
  /// type is re-read on every suspend.
  var guestType: GuestType
  /// The vcpu context width: the guest's for PV, the host's for HVM containers.
  var width: GuestWidth
  /// The path libxl's rules choose when the caller does not force one.
  var plan: SuspendPlan
  /// The guest's advertised suspend port, when it has one.
  var remoteSuspendPort: EventChannelPort?
  /// Our bound local port, subscribed for suspend, once the event channel path has been used.
  var localSuspendPort: EventChannelPort?
  /// Whether this controller holds the domain's cross-process suspend lock.
  var holdsSuspendLock = false
  /// How this controller last suspended the domain, until it resumes it. It decides whether vcpu0 is inside its
  /// suspend hypercall (cooperative paths) or was stopped wherever it was (hypervisor shutdown).
  var suspendedBy: SuspendPath?
  /// Whether the guest acknowledges by deleting `control/shutdown`, so the next request must recreate the node
  /// with the guest as its owner (a plain write would inherit the parent's permissions and lock the guest out).
  var controlNodeMissing = false
  /// Set after a resume as a new domain: the guest set itself up again (a classic XenLinux guest advertises a new
  /// suspend port), so the next suspend learns its facts afresh, keeping the lock.
  var needsRelearning = false
  /// Set when a failed slow resume had already reset secondary vcpus: the guest can then only be resumed slow,
  /// and a fast resume is refused instead of waking it with vcpus it does not expect to be down.
  var secondaryVCPUsReset = false
  /// `control/shutdown`'s path, built once: a checkpoint loop writes it every cycle.
  let controlNode: String

  init(guestType: GuestType, width: GuestWidth, plan: SuspendPlan, remoteSuspendPort: EventChannelPort? = nil) {
    self.guestType = guestType
    self.width = width
    self.plan = plan
    self.remoteSuspendPort = remoteSuspendPort
    self.controlNode = XenStorePath.controlShutdown(of: plan.domain)
  }
}
