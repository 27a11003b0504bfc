internal import CXen
@_spi(XenHostBackends) import XenResumeCore

extension LibxenHost {
  /// Reads xenstore's relative `domid` node (which resolves under this connection's own home, so it names the domain
  /// the toolstack runs in).
  public func toolstackDomain() throws -> DomainID {
    try callObservers.observe(.toolstackDomain, domain: nil) {
      guard let text = try xenstore.read("domid", transaction: .none, operation: .toolstackDomain) else {
        throw XenCallError(.toolstackDomain, errno: .noSuchFileOrDirectory, hint: "xenstore has no domid node for us")
      }
      guard let domain = DomainID(text) else {
        throw XenCallError(.toolstackDomain, errno: .invalidArgument, hint: "domid node holds \"\(text)\"")
      }
      return domain
    }
  }

  /// `xc_domain_getinfo_single` where the installed libxenctrl has it (Xen 4.18 and later), else
  /// `xc_domain_getinfolist` for one domain, which answers with the next domain up when the asked one is gone, so the
  /// returned id is checked. Either way a missing domain is ESRCH with the hint "no such domain", and the error names
  /// the C call really made (`LibxenHost.libraryFacts.domainInfoCall`), while observers see the operation `.domainInfo`.
  public func domainInfo(_ domain: DomainID) throws -> DomainInfo {
    try callObservers.observe(.domainInfo, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .domainInfo)
      let call = DomainInfoCall.installed
      let info: xc_domaininfo_t
      do throws(XenCallError) {
        info = try call.info(of: domain, domid: domid) { (info: inout xc_domaininfo_t) throws(XenCallError) in
          try controlCall(.domainInfo, domain: domain) { xch in call.invoke(xch, domid, &info) }
        }
      } catch {
        var named = error
        named.call = call.rawValue
        throw named
      }
      return Self.domainInfo(info)
    }
  }

  /// How many domains one `xc_domain_getinfolist` call of `domains()` asks for: a batch is a plain Swift array
  /// (about 120 bytes a domain, which libxenctrl bounces through a hypercall buffer), and most hosts fit in one.
  static let domainListBatch = 256

  /// `xc_domain_getinfolist` from domain 0 for a batch at a time, each batch starting after the last id the one
  /// before returned, until a batch comes back short: Xen hands out the domains at or above the first id asked, in
  /// id order, so every domain that lives throughout is listed once. The answers are copied into `DomainInfo`s
  /// before the buffer goes away.
  public func domains() throws -> [DomainInfo] {
    try callObservers.observe(.domainList, domain: nil) {
      var listed: [DomainInfo] = []
      var buffer = [xc_domaininfo_t](repeating: xc_domaininfo_t(), count: Self.domainListBatch)
      var first: UInt32 = 0
      while first < CXEN_DOMID_FIRST_RESERVED {
        let start = first
        let count = try buffer.withUnsafeMutableBufferPointer { batch throws(XenCallError) in
          try controlCall(.domainList, hint: "listing domains from \(start)") { xch in
            xc_domain_getinfolist(xch, start, UInt32(batch.count), batch.baseAddress)
          }
        }
        let answered = buffer.prefix(Int(count))
        listed += answered.map(Self.domainInfo)
        guard Int(count) == buffer.count, let last = answered.last else { break }
        first = UInt32(last.domain) + 1
      }
      return listed
    }
  }

  /// The model's copy of one `xc_domaininfo_t`.
  private static func domainInfo(_ info: xc_domaininfo_t) -> DomainInfo {
    DomainInfo(
      domain: DomainID(UInt32(info.domain)),
      flags: DomainInfo.Flags(rawValue: info.flags),
      maxVCPUID: info.max_vcpu_id,
      sharedInfoFrame: info.shared_info_frame,
      emulationFlags: info.arch_config.emulation_flags,
      totalPages: info.tot_pages,
      handle: DomainHandle(bytes: withUnsafeBytes(of: info.handle) { Array($0) }),
      cpuTime: info.cpu_time)
  }

  /// `xc_hvm_param_get`.
  public func hvmParameter(_ parameter: HVMParameter, of domain: DomainID) throws -> UInt64 {
    try callObservers.observe(.hvmParameter, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .hvmParameter)
      var value: UInt64 = 0
      _ = try controlCall(.hvmParameter, domain: domain, hint: "reading \(parameter)") { xch in
        xc_hvm_param_get(xch, domid, parameter.rawValue, &value)
      }
      return value
    }
  }

  /// `xc_domain_get_guest_width`, whose answer in bytes becomes a `GuestWidth`.
  public func guestWidth(of domain: DomainID) throws -> GuestWidth {
    try callObservers.observe(.guestWidth, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .guestWidth)
      var bytes: UInt32 = 0
      // Unlike libxenctrl's other calls it fails with 1, not -1 (xc_domain.c: `if ( do_domctl(...) != 0 ) return 1;`),
      // errno still set by the domctl: ESRCH for a missing domain, not the "0 bytes" a success check would see.
      _ = try controlCall(.guestWidth, domain: domain) { xch in
        xc_domain_get_guest_width(xch, domid, &bytes) == 0 ? Int32(0) : Int32(-1)
      }
      guard let width = GuestWidth(bytes: Int(bytes)) else {
        throw XenCallError(.guestWidth, domain: domain, errno: .invalidArgument, hint: "Xen reported \(bytes) bytes")
      }
      return width
    }
  }

  /// `xc_version(XENVER_capabilities)`: a hypervisor that lists an `x86_64` capability is 64-bit, as libxenguest
  /// decides it.
  public func hostWidth() throws -> GuestWidth {
    try callObservers.observe(.hostWidth, domain: nil) {
      // xc_version fills a whole xen_capabilities_info_t (char[1024]); one spare zero byte guarantees termination.
      var capabilities = [UInt8](repeating: 0, count: MemoryLayout<xen_capabilities_info_t>.size + 1)
      _ = try capabilities.withUnsafeMutableBytes { buffer throws(XenCallError) in
        try controlCall(.hostWidth) { xch in xc_version(xch, XENVER_capabilities, buffer.baseAddress) }
      }
      let text = String(decoding: capabilities.prefix { $0 != 0 }, as: UTF8.self)
      return text.contains("x86_64") ? .bits64 : .bits32
    }
  }

  /// `xc_domain_shutdown`.
  public func shutdownDomain(_ domain: DomainID, reason: ShutdownReason) throws {
    try callObservers.observe(.shutdownDomain, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .shutdownDomain)
      _ = try controlCall(.shutdownDomain, domain: domain, hint: "reason \(reason)") { xch in
        xc_domain_shutdown(xch, domid, Int32(reason.rawValue))
      }
    }
  }

  /// `XEN_DOMCTL_resumedomain` through `xc_domctl`, which fills in the interface version. The domctl carries no
  /// payload: only the command and the (already range-checked, so 16-bit-safe) domain id.
  public func resumeDomain(_ domain: DomainID) throws {
    try callObservers.observe(.resumeDomain, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .resumeDomain)
      var domctl = xen_domctl()
      domctl.cmd = LibxenTypes.resumeDomainCommand
      domctl.domain = domid_t(domid)
      _ = try controlCall(.resumeDomain, domain: domain) { xch in xc_domctl(xch, &domctl) }
    }
  }

  /// `xc_domain_pause`.
  public func pauseDomain(_ domain: DomainID) throws {
    try callObservers.observe(.pauseDomain, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .pauseDomain)
      _ = try controlCall(.pauseDomain, domain: domain) { xch in xc_domain_pause(xch, domid) }
    }
  }

  /// `xc_domain_unpause`.
  public func unpauseDomain(_ domain: DomainID) throws {
    try callObservers.observe(.unpauseDomain, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .unpauseDomain)
      _ = try controlCall(.unpauseDomain, domain: domain) { xch in xc_domain_unpause(xch, domid) }
    }
  }

  /// `xc_domain_soft_reset`. The caller checks the guest type first: Xen crashes a PV domain it is asked to reset.
  public func softResetDomain(_ domain: DomainID) throws {
    try callObservers.observe(.softResetDomain, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .softResetDomain)
      _ = try controlCall(.softResetDomain, domain: domain) { xch in xc_domain_soft_reset(xch, domid) }
    }
  }

  /// `xc_hvm_param_set`.
  public func setHVMParameter(_ parameter: HVMParameter, of domain: DomainID, to value: UInt64) throws {
    try callObservers.observe(.setHVMParameter, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .setHVMParameter)
      _ = try controlCall(.setHVMParameter, domain: domain, hint: "setting \(parameter) to \(value)") { xch in
        xc_hvm_param_set(xch, domid, parameter.rawValue, value)
      }
    }
  }

  /// `xc_vcpu_getcontext`, returning the member of the requested width.
  public func vcpuContext(of domain: DomainID, vcpu: UInt32, width: GuestWidth) throws -> VCPUContext {
    try callObservers.observe(.vcpuContext, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .vcpuContext)
      var buffer = VCPUContextBuffer()
      _ = try controlCall(.vcpuContext, domain: domain, hint: "vcpu \(vcpu)") { xch in
        xc_vcpu_getcontext(xch, domid, vcpu, &buffer.raw)
      }
      return buffer.context(width: width)
    }
  }

  /// `xc_vcpu_setcontext` with the context's bytes in the member of its width.
  public func setVCPUContext(_ context: VCPUContext, of domain: DomainID, vcpu: UInt32) throws {
    try callObservers.observe(.setVCPUContext, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .setVCPUContext)
      var buffer = VCPUContextBuffer(context)
      _ = try controlCall(.setVCPUContext, domain: domain, hint: "vcpu \(vcpu)") { xch in
        xc_vcpu_setcontext(xch, domid, vcpu, &buffer.raw)
      }
    }
  }

  /// `xc_vcpu_setcontext` with a NULL context, which Xen takes as "reset this vcpu".
  public func resetVCPU(of domain: DomainID, vcpu: UInt32) throws {
    try callObservers.observe(.resetVCPU, domain: domain) {
      let domid = try LibxenTypes.domainID(domain, for: .resetVCPU)
      _ = try controlCall(.resetVCPU, domain: domain, hint: "vcpu \(vcpu)") { xch in
        xc_vcpu_setcontext(xch, domid, vcpu, nil)
      }
    }
  }
}
