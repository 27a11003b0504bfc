import RealXenLab

extension Dom0Lab {
  /// status: xen-resume reports the guest's type and the path it would take.
  public func status(_ guest: GuestRun) async {
    let record = await tools.xenResume(["status", guest.id, "--json"])
    self.record("status", guest: guest.guest, StatusFacts(status: record))
  }
}

extension Dom0Lab {
  /// status-all: `xen-resume status` lists every domain, checked against `xl list` run right after it, and the first
  /// booted guest is asked for again by the name `xl list` gives its domain. Run once every guest's group is done and
  /// before the lifecycle scenarios, which destroy and restore a guest.
  public func statusAll(_ booted: [GuestRun]) async {
    let listing = await tools.xenResume(["status", "--json"])
    let xlList = await tools.xl(["list"])
    let xl = StatusAllFacts.xlDomains(xlList.stdout)
    let asked = booted.lazy.compactMap { run in xl.first { $0.domain == run.domain } }.first
    let byName = if let asked { await tools.xenResume(["status", asked.name, "--json"]) } else { CommandRecord?.none }
    record(
      "status-all", guest: nil,
      StatusAllFacts(
        booted: booted.map { StatusAllFacts.BootedGuest(name: $0.name, domain: $0.domain, type: $0.kind) },
        statusAll: listing, xlList: xlList, byName: byName, askedName: asked?.name, askedDomain: asked?.domain))
  }
}
