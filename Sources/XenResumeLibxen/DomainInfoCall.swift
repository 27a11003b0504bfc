internal import CXen
@_spi(XenHostBackends) import XenResumeCore

/// The libxenctrl call that reads one domain's `xc_domaininfo_t`, and how its answer becomes that domain's info or the
/// typed "no such domain" error.
///
/// Both calls end in the same error for a missing domain, `XenCallError(.domainInfo, errno: .noSuchProcess)` with the
/// hint "no such domain", so callers see no difference between libxenctrl versions; every other failure is the
/// `controlCall` error of the call itself.
enum DomainInfoCall: String, CaseIterable {
  /// `xc_domain_getinfo_single` (Xen 4.18 and later): one `XEN_DOMCTL_getdomaininfo` for exactly the domain asked,
  /// failing with ESRCH when it does not exist.
  case single = "xc_domain_getinfo_single"
  /// `xc_domain_getinfolist(xch, domid, 1, &info)`: one `XEN_SYSCTL_getdomaininfolist` that answers with the first
  /// domain at or above the id asked, so a missing domain shows as another id (or none) rather than as an error.
  case list = "xc_domain_getinfolist"

  /// The call this binary uses: `single` where the installed libxenctrl has it (see `shim.h`), else `list`.
  static let installed: DomainInfoCall = cxen_has_domain_getinfo_single() != 0 ? .single : .list

  /// What a missing domain is reported as, whichever call found it missing.
  static func noSuchDomain(_ domain: DomainID) -> XenCallError {
    XenCallError(.domainInfo, domain: domain, errno: .noSuchProcess, hint: "no such domain")
  }

  /// Makes the C call into `info`. `single` is only ever made where `installed` is `single`; elsewhere the shim's
  /// stand-in fails with ENOSYS.
  func invoke(_ xch: OpaquePointer, _ domid: UInt32, _ info: inout xc_domaininfo_t) -> Int32 {
    switch self {
    case .single: cxen_domain_getinfo_single(xch, domid, &info)
    case .list: xc_domain_getinfolist(xch, domid, 1, &info)
    }
  }

  /// Runs `call` (this call, made through `controlCall`) and turns its outcome into the domain's info.
  ///
  /// ESRCH from `single` becomes `noSuchDomain(_:)`; from `list`, a count other than 1 or another domain's id does.
  /// The returned id is checked after `single` too: Xen echoes the domain it looked up, so anything else is not an
  /// answer about this domain.
  func info(
    of domain: DomainID, domid: UInt32, _ call: (inout xc_domaininfo_t) throws(XenCallError) -> Int32
  ) throws(XenCallError) -> xc_domaininfo_t {
    var info = xc_domaininfo_t()
    let count: Int32
    do throws(XenCallError) {
      count = try call(&info)
    } catch {
      if self == .single && error.errno == .noSuchProcess { throw Self.noSuchDomain(domain) }
      throw error
    }
    // `single` returns 0 on success; `list` returns how many domains it wrote.
    guard self == .single || count == 1, UInt32(info.domain) == domid else { throw Self.noSuchDomain(domain) }
    return info
  }
}
