import SystemPackage

/// Every `XenHost` requirement, named after the C call it stands for.
///
/// Backends put `rawValue` in `XenCallError.call`, the simulator's trace and fault injection use these cases, and
/// `HostCallCounter` counts by them, so one name means one host call everywhere.
public enum XenHostOperation: String, CaseIterable, Sendable, Hashable, Codable {
  /// `toolstackDomain()`: xenstore's relative `domid` node.
  case toolstackDomain = "xs_read(domid)"
  /// `domainInfo(_:)`.
  case domainInfo = "xc_domain_getinfolist"
  /// `domains()`: the same C call as `domainInfo`, in batches over every domain, so it needs its own name.
  case domainList = "xc_domain_getinfolist(all)"
  /// `hvmParameter(_:of:)`.
  case hvmParameter = "xc_hvm_param_get"
  /// `guestWidth(of:)`.
  case guestWidth = "xc_domain_get_guest_width"
  /// `hostWidth()`.
  case hostWidth = "xc_version(XENVER_capabilities)"
  /// `shutdownDomain(_:reason:)`.
  case shutdownDomain = "xc_domain_shutdown"
  /// `resumeDomain(_:)`.
  case resumeDomain = "xc_domctl(XEN_DOMCTL_resumedomain)"
  /// `pauseDomain(_:)`.
  case pauseDomain = "xc_domain_pause"
  /// `unpauseDomain(_:)`.
  case unpauseDomain = "xc_domain_unpause"
  /// `softResetDomain(_:)`.
  case softResetDomain = "xc_domain_soft_reset"
  /// `setHVMParameter(_:of:to:)`.
  case setHVMParameter = "xc_hvm_param_set"
  /// `vcpuContext(of:vcpu:width:)`.
  case vcpuContext = "xc_vcpu_getcontext"
  /// `setVCPUContext(_:of:vcpu:)`.
  case setVCPUContext = "xc_vcpu_setcontext"
  /// `resetVCPU(of:vcpu:)`.
  case resetVCPU = "xc_vcpu_setcontext(NULL)"
  /// `readGuestMemory(of:frame:offset:count:)`.
  case readGuestMemory = "xenforeignmemory_map(PROT_READ)"
  /// `writeGuestMemory(of:frame:offset:bytes:)`.
  case writeGuestMemory = "xenforeignmemory_map(PROT_WRITE)"
  /// `maximumGuestFrame(of:)`.
  case maximumGuestFrame = "xc_domain_maximum_gpfn"
  /// `guestFrameKinds(of:frames:)`.
  case guestFrameKinds = "xc_domctl(XEN_DOMCTL_getpageframeinfo3)"
  /// `readGuestFrames(of:frames:appendingTo:)`.
  case readGuestFrames = "xenforeignmemory_map(PROT_READ, batch)"
  /// `writeGuestFrames(of:frames:pages:)`.
  case writeGuestFrames = "xenforeignmemory_map(PROT_WRITE, batch)"
  /// `hvmContext(of:)`.
  case hvmContext = "xc_domain_hvm_getcontext"
  /// `setHVMContext(_:of:)`.
  case setHVMContext = "xc_domain_hvm_setcontext"
  /// `read(_:transaction:)`.
  case read = "xs_read"
  /// `write(_:value:transaction:)`.
  case write = "xs_write"
  /// `remove(_:transaction:)`.
  case remove = "xs_rm"
  /// `setPermissions(_:_:transaction:)`.
  case setPermissions = "xs_set_permissions"
  /// `startTransaction()`.
  case startTransaction = "xs_transaction_start"
  /// `endTransaction(_:commit:)`.
  case endTransaction = "xs_transaction_end"
  /// `watch(_:)`.
  case watch = "xs_watch"
  /// `nextWatchEvent(_:)`.
  case nextWatchEvent = "xs_read_watch"
  /// `takeWatchEvent(_:)`.
  case takeWatchEvent = "xs_check_watch"
  /// `unwatch(_:)`.
  case unwatch = "xs_unwatch"
  /// `resumeDomainInXenStore(_:)`.
  case resumeDomainInXenStore = "xs_resume_domain"
  /// `introduceDomain(_:storeFrame:storePort:)`.
  case introduceDomain = "xs_introduce_domain"
  /// `bindInterdomainEventChannel(to:remotePort:)`.
  case bindInterdomainEventChannel = "xenevtchn_bind_interdomain"
  /// `subscribeForSuspend(_:port:)`.
  case subscribeForSuspend = "xc_domain_subscribe_for_suspend"
  /// `notify(_:)`.
  case notify = "xenevtchn_notify"
  /// `consumePendingEvent(on:)`.
  case consumePendingEvent = "xenevtchn_pending"
  /// `waitForEvent(on:)`.
  case waitForEvent = "xenevtchn_pending(wait)"
  /// `unbind(_:)`.
  case unbind = "xenevtchn_unbind"
  /// `allocateUnboundEventChannel(in:remote:)`.
  case allocateUnboundEventChannel = "xc_evtchn_alloc_unbound"
  /// `eventChannelStatus(of:port:)`.
  case eventChannelStatus = "xc_evtchn_status"
  /// `acquireSuspendLock(for:)`.
  case acquireSuspendLock = "fcntl(F_SETLK, suspend lock)"
  /// `releaseSuspendLock(for:)`.
  case releaseSuspendLock = "unlink(suspend lock)"
}

extension XenCallError {
  /// Describes a failed host operation, named by its C call.
  public init(_ operation: XenHostOperation, domain: DomainID? = nil, errno: Errno, hint: String? = nil) {
    self.init(call: operation.rawValue, domain: domain, errno: errno, hint: hint)
  }
}

extension XenHostOperation {
  private static let ordinals: [XenHostOperation: Int] = Dictionary(
    uniqueKeysWithValues: allCases.enumerated().map { ($1, $0) })

  /// The operation's position in `allCases`, for dense per-operation tables.
  package var ordinal: Int { Self.ordinals[self]! }
}
