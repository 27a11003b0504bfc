/// Every target's seed corpus: what `run.sh` starts each target from, committed under `Corpus/<target>/`.
/// `FuzzInputsTests` checks that the committed files are exactly these (and writes them with `FUZZ_WRITE_SEEDS=1`).
public enum SeedCorpus {
  /// The targets' names, as their products and corpus folders are named.
  public static let targets = ["guest-memory", "xenstore-values", "cli-arguments"]

  /// The seeds of a target, by file name.
  public static func seeds(of target: String) -> [(name: String, bytes: [UInt8])] {
    switch target {
    case "guest-memory":
      GuestMemorySeeds.all.map { ($0.name, $0.input.bytes) }
    case "xenstore-values":
      xenStoreValues.enumerated().map { ("value-\($0.offset)", Array($0.element.utf8)) }
    case "cli-arguments":
      commandLines.enumerated().map { ("command-\($0.offset)", Array($0.element.joined(separator: "\0").utf8)) }
    default:
      []
    }
  }

  /// Values guests write or might: the acknowledgements seen in the field, ports, a feature flag, and near misses.
  static let xenStoreValues = [
    "", "suspend", "suspend\n", "1", "0", "7", "4294967295", "4294967296", "+5", " 5", "5 ", "0x10", "-1",
    "00000000012", "poweroff", "\u{0}", "1\u{0}",
  ]

  /// Command lines an operator types, one of each command and of each kind of value.
  static let commandLines: [[String]] = [
    ["status", "--json"],
    ["suspend", "7", "--timeout", "250ms", "--path", "xenstore"],
    ["resume", "web1", "--slow", "--confirm-slow"],
    ["checkpoint", "pv-guest", "--count", "5", "--interval", "1.5s", "--paced"],
    ["demo", "--backend", "simulator", "--simulate", "pv64,pvh"],
    ["suspend", "32751", "--log-level", "debug"],
    ["resume", "0", "--mode", "fast"],
  ]
}
