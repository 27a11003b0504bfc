@_spi(XenHostBackends) import XenResumeCore

/// One domain of a `NullXenHost`: Xen's view of it, its xenstore nodes, its suspend port, and its guest memory.
struct NullDomain {
  /// The xenstore nodes a null guest has, below `/local/domain/<id>/`.
  enum Node: Int, CaseIterable {
    case controlShutdown
    case featureSuspend
    case suspendEventChannel

    var relativePath: StaticString {
      switch self {
      case .controlShutdown: "control/shutdown"
      case .featureSuspend: "control/feature-suspend"
      case .suspendEventChannel: "device/suspend/event-channel"
      }
    }
  }

  /// Running, or shut down; a suspend either left vcpu0 inside `SCHEDOP_shutdown` (cooperative) or wherever
  /// `xc_domain_shutdown` caught it.
  enum Phase {
    case running
    case shutDown(ShutdownReason, insideSuspendHypercall: Bool)
  }

  // Guest memory of a PV domain: seven pages at consecutive machine frames from `frameBase(of:)`.
  static let sharedInfoPage = 0
  static let frameListListPage = 1
  static let frameListPage = 2
  static let p2mPage = 3
  static let startInfoPage = 4
  /// Machine frames of the xenstore and console rings, after the five pages above: the guest's own (a slow resume
  /// reads each before handing it to the guest).
  static let storeFrameSlot: UInt64 = 5
  static let consoleFrameSlot: UInt64 = 6
  static let pageCount = 7
  /// The guest frame numbers a suspending guest leaves in start_info instead of the machine frames.
  static let storePFN: UInt64 = 10
  static let consolePFN: UInt64 = 11
  static let maxPFN: UInt64 = 256
  /// The port a guest with a suspend event channel advertises.
  static let advertisedPort = EventChannelPort(7)

  let index: Int
  let guest: NullXenHost.Guest
  var phase = Phase.running
  var controlShutdown: String? = ""
  var featureSuspend: String?
  var suspendEventChannelNode: String
  let remotePort: EventChannelPort?
  var localPort: EventChannelPort?
  /// The guest port Xen signals when the domain suspends (`XEN_DOMCTL_subscribe`); `nil` for none (port 0).
  var subscribedPort: EventChannelPort?
  var portPending = false
  var portWaiter: UnsafeContinuation<Void, any Error>?
  /// xenstored's shutdown latch, inverted: whether the next shutdown fires `@releaseDomain`. Only XS_RESUME re-arms.
  var releaseDomainArmed = true
  /// The generation of each of `Node`'s last change, by raw value, for transactions to compare.
  private var generations: (UInt64, UInt64, UInt64) = (0, 0, 0)
  var suspendLockHeld = false
  var contexts: [VCPUContext]
  var pages: [[UInt8]]
  /// Which secondary vcpus were reset since the last suspend (a slow PV resume must reset them all).
  var vcpuReset: [Bool]
  var resumes = NullXenHost.ResumeCounts()
  /// `XEN_DOMCTL_pausedomain` count: the domain runs only at 0.
  var pauseCount = 0
  /// Soft reset and not yet run again: the guest wakes as a new domain at the last unpause, and checks then that
  /// the toolstack rebuilt its channels.
  var softResetAwaitingWake = false
  /// The guest's ports 1 up to this one are in use: its xenstore (1) and console (2) ports from the domain builder,
  /// then those allocated since the last soft reset (the advertised suspend port is modelled apart).
  var allocatedPorts: UInt32 = 2
  /// `HVM_PARAM_STORE_EVTCHN` and `HVM_PARAM_CONSOLE_EVTCHN`: the builder's, then as set since the last soft reset.
  var storePortParameter: UInt64? = 1
  var consolePortParameter: UInt64? = 2
  /// The guest port xenstored is bound to: the builder's, then the one introduced since the last soft reset.
  var xenstoredPort: EventChannelPort? = EventChannelPort(1)

  /// `HVM_PARAM_STORE_PFN` and `HVM_PARAM_CONSOLE_PFN` of the null HVM containers.
  static let storeRingFrame: UInt64 = 0xfeffc
  static let consoleRingFrame: UInt64 = 0xfeffd

  init(index: Int, guest: NullXenHost.Guest) {
    self.index = index
    self.guest = guest
    let advertises = guest.suspendEventChannel && guest.type.isPVAware
    remotePort = advertises ? Self.advertisedPort : nil
    suspendEventChannelNode = advertises ? Self.advertisedPort.description : ""
    featureSuspend = guest.type.isPVAware ? "1" : nil
    contexts = (0..<guest.vcpus).map { _ in VCPUContext(zeroedFor: guest.width) }
    vcpuReset = [Bool](repeating: false, count: guest.vcpus)
    pages = guest.type == .pv ? Self.guestPages(index: index, width: guest.width) : []
  }

  static func domainID(of index: Int) -> DomainID { DomainID(UInt32(index + 1)) }

  static func frameBase(of index: Int) -> UInt64 { 0x10_0000 + UInt64(index) * 16 }

  /// One local port per domain, so that a port finds its domain without a table.
  static func localPort(of index: Int) -> EventChannelPort { EventChannelPort(UInt32(index) + 0x100) }

  static func index(ofLocalPort port: EventChannelPort) -> Int? {
    port.rawValue >= 0x100 ? Int(port.rawValue - 0x100) : nil
  }

  var id: DomainID { Self.domainID(of: index) }

  /// shared_info anchors the p2m (one frame list list → one frame list → one p2m page); start_info carries the
  /// domain builder's magic and holds the machine frames of the xenstore and console rings, as in a running guest.
  private static func guestPages(index: Int, width: GuestWidth) -> [[UInt8]] {
    let base = frameBase(of: index)
    var pages = [[UInt8]](repeating: [UInt8](repeating: 0, count: GuestLayout.pageSize), count: pageCount)
    func store(_ value: UInt64, page: Int, offset: Int) {
      pages[page].withUnsafeMutableBytes { GuestMemoryWord.store(value, into: $0, at: offset, width: width) }
    }
    store(maxPFN, page: sharedInfoPage, offset: GuestLayout.sharedInfoMaxPFNOffset(width))
    store(
      base + UInt64(frameListListPage), page: sharedInfoPage, offset: GuestLayout.sharedInfoFrameListListOffset(width))
    store(base + UInt64(frameListPage), page: frameListListPage, offset: 0)
    store(base + UInt64(p2mPage), page: frameListPage, offset: 0)
    store(base + storeFrameSlot, page: p2mPage, offset: Int(storePFN) * width.bytes)
    store(base + consoleFrameSlot, page: p2mPage, offset: Int(consolePFN) * width.bytes)
    store(base + storeFrameSlot, page: startInfoPage, offset: GuestLayout.startInfoStoreFrameOffset(width))
    store(base + consoleFrameSlot, page: startInfoPage, offset: GuestLayout.startInfoConsoleFrameOffset(width))
    pages[startInfoPage].replaceSubrange(0..<GuestLayout.startInfoMagicSize, with: magic(width))
    return pages
  }

  /// start_info's `magic` field: the builder's guest type string, NUL-padded.
  private static func magic(_ width: GuestWidth) -> [UInt8] {
    let text = Array(GuestLayout.startInfoMagic(width).utf8)
    return text + [UInt8](repeating: 0, count: GuestLayout.startInfoMagicSize - text.count)
  }

  /// What `xc_domain_getinfolist` reports: the reason code is 255 while running, as Xen fills it in.
  var info: DomainInfo {
    var flags: DomainInfo.Flags
    switch phase {
    case .running:
      flags = DomainInfo.Flags(
        rawValue: DomainInfo.Flags.notShutDownCode << DomainInfo.Flags.shutdownReasonShift)
    case .shutDown(let reason, _):
      flags = .shutdown(code: reason.rawValue)
    }
    if guest.type.isHVMContainer { flags.insert(.hvmGuest) }
    if pauseCount > 0 { flags.insert(.paused) }
    let emulation: UInt32 =
      switch guest.type {
      case .pv: 0
      case .pvh: DomainInfo.emulationFlagLocalAPIC
      case .hvm, .pvhvm: 0x3FF
      }
    return DomainInfo(
      domain: id, flags: flags, maxVCPUID: UInt32(guest.vcpus - 1), sharedInfoFrame: Self.frameBase(of: index),
      emulationFlags: emulation, totalPages: Self.maxPFN)
  }

  func read(_ node: Node) -> String? {
    switch node {
    case .controlShutdown: controlShutdown
    case .featureSuspend: featureSuspend
    case .suspendEventChannel: suspendEventChannelNode
    }
  }

  /// Changes a node (`nil` removes it), recording the change's generation.
  mutating func write(_ value: String?, to node: Node, generation: UInt64) {
    switch node {
    case .controlShutdown:
      controlShutdown = value
      generations.0 = generation
    case .featureSuspend:
      featureSuspend = value
      generations.1 = generation
    case .suspendEventChannel:
      // Removed, it reads as empty ("no channel") again: the toolstack created it empty.
      suspendEventChannelNode = value ?? ""
      generations.2 = generation
    }
  }

  /// The generation of the node's last change (0: never changed).
  func generation(of node: Node) -> UInt64 {
    switch node {
    case .controlShutdown: generations.0
    case .featureSuspend: generations.1
    case .suspendEventChannel: generations.2
    }
  }

  /// The guest makes its suspend hypercall: vcpu0 waits inside it for the return value, a PV guest passes its
  /// start_info frame in `rdx` and leaves guest frame numbers in start_info (canonicalised, as Linux does).
  mutating func suspendCooperatively() {
    phase = .shutDown(.suspend, insideSuspendHypercall: true)
    contexts[0].returnRegister = 0
    for vcpu in vcpuReset.indices { vcpuReset[vcpu] = false }
    guard guest.type == .pv else { return }
    contexts[0].startInfoFrame = Self.frameBase(of: index) + UInt64(Self.startInfoPage)
    storeStartInfo(store: Self.storePFN, console: Self.consolePFN)
  }

  /// `XEN_DOMCTL_resumedomain`, judged as the guest would: a return value of 1 is a cancelled suspend, 0 a new
  /// domain, which a PV guest survives only with machine frames in start_info and its secondary vcpus reset. A
  /// domain that is not shut down is left alone, as Xen's `domain_resume` leaves it.
  mutating func resume() throws {
    guard case .shutDown(let reason, let insideHypercall) = phase else { return }
    if reason != .suspend || !insideHypercall {
      resumes.unnoticed += 1
    } else {
      switch contexts[0].returnRegister {
      case 1:
        resumes.cancelled += 1
      case 0:
        if guest.type == .pv {
          let width = guest.width
          let base = Self.frameBase(of: index)
          let (store, console) = pages[Self.startInfoPage].withUnsafeBytes {
            (
              GuestMemoryWord.load(from: $0, at: GuestLayout.startInfoStoreFrameOffset(width), width: width),
              GuestMemoryWord.load(from: $0, at: GuestLayout.startInfoConsoleFrameOffset(width), width: width)
            )
          }
          guard store == base + Self.storeFrameSlot, console == base + Self.consoleFrameSlot else {
            throw mistake(.resumeDomain, "start_info still holds guest frames: the new domain has no xenstore ring")
          }
          guard vcpuReset.dropFirst().allSatisfy({ $0 }) else {
            throw mistake(.resumeDomain, "a secondary vcpu was not reset before a slow resume")
          }
        }
        resumes.asNewDomain += 1
      case let value:
        throw mistake(.resumeDomain, "vcpu0's return register holds \(value), neither 0 nor 1")
      }
    }
    phase = .running
    // Awake again, the guest uses machine frames (a cancelled suspend translates them back itself).
    if guest.type == .pv {
      let base = Self.frameBase(of: index)
      storeStartInfo(store: base + Self.storeFrameSlot, console: base + Self.consoleFrameSlot)
    }
  }

  private mutating func storeStartInfo(store: UInt64, console: UInt64) {
    let width = guest.width
    pages[Self.startInfoPage].withUnsafeMutableBytes {
      GuestMemoryWord.store(store, into: $0, at: GuestLayout.startInfoStoreFrameOffset(width), width: width)
      GuestMemoryWord.store(console, into: $0, at: GuestLayout.startInfoConsoleFrameOffset(width), width: width)
    }
  }

  /// `XEN_DOMCTL_soft_reset` of a suspended, paused HVM container: its channels closed, its vcpu_info gone, the
  /// shutdown cleared; the toolstack's pause still holds it.
  mutating func softReset() throws {
    guard guest.type.isHVMContainer else { throw mistake(.softResetDomain, "Xen crashes a PV domain it soft resets") }
    guard case .shutDown(.suspend, true) = phase else {
      throw mistake(.softResetDomain, "not every vcpu is paused for shutdown")
    }
    guard pauseCount > 0 else { throw mistake(.softResetDomain, "evtchn_reset needs the toolstack's pause") }
    phase = .running
    softResetAwaitingWake = true
    allocatedPorts = 0
    storePortParameter = nil
    consolePortParameter = nil
    xenstoredPort = nil
  }

  /// The last pause is taken back: a soft-reset guest wakes as a new domain, and finds its xenstore port (and
  /// console port, `consolePortNode`) where a domain builder would have put them.
  mutating func unpause(consolePortNode: String?) throws {
    guard pauseCount > 0 else { throw mistake(.unpauseDomain, "the domain is not paused") }
    pauseCount -= 1
    guard pauseCount == 0, softResetAwaitingWake else { return }
    guard let store = storePortParameter, xenstoredPort.map({ UInt64($0.rawValue) }) == store else {
      throw mistake(.unpauseDomain, "the guest woke with no xenstore port bound by xenstored")
    }
    guard let console = consolePortParameter, consolePortNode == String(console) else {
      throw mistake(.unpauseDomain, "the guest woke with no console port for xenconsoled")
    }
    softResetAwaitingWake = false
    resumes.asNewDomain += 1
  }

  func requireSuspended(_ operation: XenHostOperation, _ why: String) throws {
    guard case .shutDown(.suspend, _) = phase else {
      throw mistake(operation, "\(why): the domain is not suspended")
    }
  }

  func context(_ vcpu: UInt32, _ operation: XenHostOperation) throws -> VCPUContext {
    guard Int(vcpu) < contexts.count else { throw mistake(operation, "it has no vcpu \(vcpu)") }
    return contexts[Int(vcpu)]
  }

  /// The page behind a machine frame of this domain, with the range checked.
  func page(_ frame: UInt64, offset: Int, count: Int, _ operation: XenHostOperation) throws -> Int {
    let base = Self.frameBase(of: index)
    guard frame >= base, frame - base < UInt64(pages.count) else {
      throw XenCallError(
        operation, domain: id, errno: .permissionDenied, hint: "NullXenHost: frame \(frame) is not its")
    }
    guard offset >= 0, count >= 0, offset + count <= GuestLayout.pageSize else {
      throw mistake(operation, "bytes \(offset)..<\(offset + count) are outside a page")
    }
    return Int(frame - base)
  }

  func mistake(_ operation: XenHostOperation, _ why: String) -> XenCallError {
    NullXenHost.mistake(operation, id, why)
  }
}

extension NullXenHost {
  /// How a domain's resumes went, as the guest saw them.
  public struct ResumeCounts: Sendable, Hashable {
    /// Return register 1: the guest carried on with its old state.
    public var cancelled = 0
    /// Return register 0: the guest started over as a new domain.
    public var asNewDomain = 0
    /// Stopped by `xc_domain_shutdown`, resumed without touching a register.
    public var unnoticed = 0

    /// Counts to compare with.
    public init(cancelled: Int = 0, asNewDomain: Int = 0, unnoticed: Int = 0) {
      self.cancelled = cancelled
      self.asNewDomain = asNewDomain
      self.unnoticed = unnoticed
    }
  }
}
