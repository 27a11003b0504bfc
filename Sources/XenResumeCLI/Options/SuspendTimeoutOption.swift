import ArgumentParser

/// `--timeout`: the suspend's time budget of a command that suspends a guest on the way to something else
/// (`capture`, `rewind`).
struct SuspendTimeoutOption: ParsableArguments {
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "The suspend's time budget, e.g. 500ms, 60s, 2m; a bare number is seconds (default: 60s).",
      valueName: "duration"),
    transform: DurationArgument.parse)
  var timeout = DurationArgument(duration: .seconds(60), text: "60s")

  func validate() throws {
    guard timeout.duration > .zero else { throw ValidationError("--timeout must be longer than 0") }
  }
}
