import ArgumentParser

/// The options every command takes.
struct GlobalOptions: ParsableArguments {
  @Flag(help: "Print exactly one JSON document on stdout (also for errors) and no progress lines.")
  var json = false

  @Option(
    name: .customLong("log-level"),
    help: ArgumentHelp("Log messages on stderr from this level up.", valueName: "level"))
  var logLevel: LogLevelArgument = .warning
}
