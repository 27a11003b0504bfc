import Foundation
import SwiftXenResume
import XenSimulator

/// Chooses and opens the backend for `--backend` and `--simulate`.
enum BackendSelection {
  /// The device that exists only in a Xen domain with privileges, and that `LibxenHost` opens first.
  static let privcmdPath = "/dev/xen/privcmd"

  /// Opens the chosen backend. With `auto`, says on stderr which one it picked and why, in one line.
  ///
  /// - Throws: `CommandFailure` of kind `usage` for `--simulate` without the simulator, and of kind
  ///   `backendUnavailable` when real Xen cannot be opened (with `LibxenHost`'s own explanation and hint).
  static func open(_ options: BackendOptions) throws(CommandFailure) -> Backend {
    let kind: BackendKind
    switch options.backend {
    case .xen:
      kind = .xen
    case .simulator:
      kind = .simulator
    case .auto:
      kind = FileManager.default.fileExists(atPath: privcmdPath) ? .xen : .simulator
    }
    if kind == .xen, options.simulate != nil {
      let why =
        options.backend == .auto ? "this machine has \(privcmdPath), so --backend auto chose real Xen" : "--backend xen"
      throw .usage("--simulate only applies to the simulator, and \(why); add --backend simulator to simulate")
    }
    switch kind {
    case .xen:
      let host = try openXen()
      if options.backend == .auto {
        Console.printError("xen-resume: backend: xen (\(privcmdPath) exists)")
      }
      return Backend(kind: .xen, host: host, simulator: nil, simulatedGuests: [])
    case .simulator:
      let backend = startSimulator(options.simulate ?? SimulatedGuestToken.defaults)
      if options.backend == .auto {
        let guests = backend.simulatedGuests.map { "\($0.domain)=\($0.token.rawValue)" }.joined(separator: " ")
        Console.printError(
          "xen-resume: backend: simulator (\(privcmdPath) not found; this is not a Xen dom0); guests: \(guests)")
      }
      return backend
    }
  }

  /// Opens `LibxenHost`, turning its failure into an operator's message.
  static func openXen() throws(CommandFailure) -> any XenHost {
    do {
      return try LibxenHost()
    } catch let error as XenCallError {
      throw CommandFailure(.backendUnavailable, "the Xen backend is unavailable: \(error)")
    } catch {
      throw CommandFailure(.backendUnavailable, "the Xen backend is unavailable: \(error)")
    }
  }

  /// A fresh simulated host with the given guests, ids from 1 in order.
  static func startSimulator(_ tokens: [SimulatedGuestToken]) -> Backend {
    let simulator = SimulatedXenHost()
    var guests: [(domain: DomainID, token: SimulatedGuestToken)] = []
    for token in tokens {
      guests.append((simulator.createDomain(token.guest), token))
    }
    return Backend(kind: .simulator, host: simulator, simulator: simulator, simulatedGuests: guests)
  }
}
