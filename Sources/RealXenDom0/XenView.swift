import RealXenLab

/// Xen's own view of a domain, through the C reference client (independent of xen-resume).
public struct XenView: Sendable {
  /// The tools.
  public let tools: LabTools

  /// A view through `tools`.
  public init(tools: LabTools) { self.tools = tools }

  /// The domain's state and shutdown reason; `nil` when the client could not tell.
  public func domain(_ domain: Int) async -> DomainView? {
    await tools.cClient(["info", String(domain)], limit: 30).decode(DomainView.self)
  }

  /// vcpu0's registers.
  public func registers(_ domain: Int) async -> Registers? {
    await tools.cClient(["regs", String(domain)], limit: 30).decode(Registers.self)
  }

  /// The domain id of `rx-NAME`; `nil` when Xen has no such domain.
  public func domainID(of guest: LabGuest) async -> Int? {
    let record = await tools.xl(["domid", guest.domainName], limit: 30)
    guard record.succeeded else { return nil }
    return Int(record.stdout.filter { !$0.isWhitespace })
  }
}
