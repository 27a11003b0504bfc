import ArgumentParser

/// The options of the commands that work on a host: which backend, and the simulated guests.
struct BackendOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "xen (default): real Xen in a dom0, exit 69 elsewhere. simulator: a throwaway simulated host made for this "
        + "command; every line it prints starts with 'simulated:'.",
      valueName: "xen|simulator"),
    transform: BackendChoice.parse)
  var backend: BackendChoice = .xen

  @Option(
    help: ArgumentHelp(
      "With --backend simulator: the guests to start, ids from 1 in this order, each named TOKEN-ID (e.g. pvhvm-3). "
        + "Tokens: \(SimulatedGuestToken.helpList). Default: \(SimulatedGuestToken.defaultList).",
      valueName: "guests"),
    transform: SimulatedGuestToken.parseList)
  var simulate: [SimulatedGuestToken]?
}
