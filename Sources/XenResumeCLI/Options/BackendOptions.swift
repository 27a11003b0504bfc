import ArgumentParser

/// The options of the commands that work on a host: which backend, and the simulated guests.
struct BackendOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "auto: real Xen when /dev/xen/privcmd exists, else the simulator.", valueName: "backend"))
  var backend: BackendChoice = .auto

  @Option(
    help: ArgumentHelp(
      "Simulator only: the guests to start, ids from 1 in this order. Tokens: \(SimulatedGuestToken.helpList). "
        + "Default: \(SimulatedGuestToken.defaultList).",
      valueName: "guests"),
    transform: SimulatedGuestToken.parseList)
  var simulate: [SimulatedGuestToken]?
}
