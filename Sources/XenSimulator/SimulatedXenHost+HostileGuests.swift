import XenResumeCore

extension SimulatedXenHost {
  /// Makes a guest hostile from now on (`HostileGuest`), overriding its behaviour where both apply: what it does
  /// stands for a guest attacking its toolstack, not for anything a toolstack can ask of Xen, so no host call is
  /// recorded. A hostility about its advertised port takes effect at once, as if the guest had just written it.
  ///
  /// The guest must be PV-aware; memory corruption needs a PV guest, and `.p2mFrameListCycle` one with the
  /// three-level p2m; `.anotherGuests(_:)` names another guest that advertises a suspend port.
  public func makeHostile(_ domain: DomainID, _ hostility: HostileGuest) {
    let effects = state.withLock { state in
      state.makeHostile(domain, hostility)
      state.runGuestWork()
      return state.takeEffects()
    }
    apply(effects)
  }
}
