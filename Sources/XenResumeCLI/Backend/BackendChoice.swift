import ArgumentParser

/// `--backend`: which `XenHost` the command talks to.
enum BackendChoice: String, Sendable, CaseIterable, ExpressibleByArgument {
  /// Real Xen when `/dev/xen/privcmd` exists, the simulator otherwise.
  case auto
  /// Real Xen through `LibxenHost`; unavailable (exit 69) on a machine that is not a Xen dom0.
  case xen
  /// A simulated host created for this process.
  case simulator
}
