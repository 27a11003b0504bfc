import ArgumentParser

/// What the entry point needs from every subcommand to report its failures the way the user asked.
protocol XenResumeCommand: AsyncParsableCommand {
  /// `--json` and `--log-level`.
  var global: GlobalOptions { get }
}
