import ArgumentParser

/// `--backend`: which `XenHost` the command talks to. There is no automatic choice: a command that acts on guests
/// must never fall back to a simulator unasked and report success for something it never did.
enum BackendChoice: String, Sendable, CaseIterable {
  /// Real Xen through `LibxenHost`; unavailable (exit 69) on a machine that is not a Xen dom0.
  case xen
  /// A simulated host created for this process.
  case simulator

  /// Parses `--backend`'s value. `auto` gets its own explanation: it was a choice until it was removed, and scripts
  /// that still pass it should learn why rather than see a bare "invalid value".
  static func parse(_ text: String) throws(ValidationError) -> BackendChoice {
    let name = String(text.trimmingWhitespace).lowercased()
    if let choice = BackendChoice(rawValue: name) { return choice }
    if name == "auto" {
      throw ValidationError(
        "--backend auto was removed because it ran on a throwaway simulator whenever Xen was missing; "
          + "use --backend xen (the default) or --backend simulator")
    }
    throw ValidationError("unknown backend '\(text)'; use xen or simulator")
  }
}
