/// The backend a command actually runs on, as reports name it (`"backend": "xen"` or `"simulator"`).
enum BackendKind: String, Sendable, Codable {
  /// Real Xen through `LibxenHost`.
  case xen
  /// `XenSimulator.SimulatedXenHost`.
  case simulator
}
