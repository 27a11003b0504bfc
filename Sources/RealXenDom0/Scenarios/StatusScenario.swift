import RealXenLab

extension Dom0Lab {
  /// status: xen-resume reports the guest's type and the path it would take.
  public func status(_ guest: GuestRun) async {
    let record = await tools.xenResume(["status", guest.id, "--json"])
    self.record("status", guest: guest.guest, StatusFacts(status: record))
  }
}
