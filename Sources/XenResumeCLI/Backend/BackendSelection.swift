import SwiftXenResume
import XenSimulator

/// Chooses and opens the backend for `--backend` and `--simulate`.
enum BackendSelection {
  /// How to try the tool where real Xen cannot be opened, as every "unavailable" error ends.
  static let withoutXen =
    "to try xen-resume without Xen, add --backend simulator (a throwaway simulated host) "
    + "or run `xen-resume demo`"

  /// Opens the chosen backend: real Xen unless `--backend simulator` asked for the simulator. Opening the simulator
  /// marks the run simulated (`Console.markSimulated()`), so everything it prints says so.
  ///
  /// - Throws: `CommandFailure` of kind `usage` for `--simulate` without the simulator (before anything is opened),
  ///   and of kind `backendUnavailable` when real Xen cannot be opened (with `LibxenHost`'s own explanation).
  static func open(_ options: BackendOptions) throws(CommandFailure) -> Backend {
    switch options.backend {
    case .xen:
      if options.simulate != nil {
        throw .usage("--simulate only applies to the simulator; add --backend simulator to simulate")
      }
      return Backend(kind: .xen, host: try openXen(), simulator: nil, simulatedGuests: [])
    case .simulator:
      Console.markSimulated()
      return startSimulator(options.simulate ?? SimulatedGuestToken.defaults)
    }
  }

  /// Opens `LibxenHost`, turning its failure into an operator's message: the failing call and errno as LibxenHost
  /// reports them, and the ways to try the tool without Xen.
  static func openXen() throws(CommandFailure) -> any XenHost {
    do {
      return try LibxenHost()
    } catch {
      throw CommandFailure(.backendUnavailable, "the Xen backend is unavailable: \(error); \(withoutXen)")
    }
  }

  /// A fresh simulated host with the given guests, ids from 1 in order, each named after its token and id
  /// (`pvhvm-3`), so that names are unique and say what the guest is.
  static func startSimulator(_ tokens: [SimulatedGuestToken]) -> Backend {
    let simulator = SimulatedXenHost()
    var guests: [(domain: DomainID, token: SimulatedGuestToken)] = []
    for (index, token) in tokens.enumerated() {
      // A fresh simulator hands out ids from 1 upward, so the id is known before the guest is created and named.
      guests.append((simulator.createDomain(token.guest, name: "\(token.rawValue)-\(index + 1)"), token))
    }
    return Backend(kind: .simulator, host: simulator, simulator: simulator, simulatedGuests: guests)
  }
}
