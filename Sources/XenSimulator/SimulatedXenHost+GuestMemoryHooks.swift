import XenResumeCore

/// Test hooks on a simulated guest's memory. They are internal (reach them with `@testable import XenSimulator`):
/// they stand for what a guest does to itself, not for anything a toolstack can ask of Xen, so they record no host
/// call and never mark the guest corrupted.
extension SimulatedXenHost {
  /// Lays a PV guest's p2m out as a linear virtual map, as a guest started with SIF_VIRT_P2M_4TOOLS does when it
  /// boots (Linux's `xen_setup_mfn_list_list`): call it right after `createDomain`, before anything reads the
  /// guest's memory.
  func useLinearP2M(of domain: DomainID) {
    state.withLock { state in
      precondition(state.domains[domain]?.memory != nil, "domain \(domain) has no simulated memory")
      state.domains[domain]?.memory?.useLinearP2M()
    }
  }

  /// Damages the guest's own start_info, p2m or page tables, leaving it healthy: a reader must refuse what it then
  /// finds, and a toolstack write that goes ahead regardless is still judged against the damaged layout.
  func damageGuestMemory(of domain: DomainID, _ damage: GuestMemoryDamage) {
    state.withLock { state in
      precondition(state.domains[domain]?.memory != nil, "domain \(domain) has no simulated memory")
      state.domains[domain]?.memory?.apply(damage)
    }
  }
}
