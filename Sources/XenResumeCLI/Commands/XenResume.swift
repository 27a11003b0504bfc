import ArgumentParser

/// The root command: only groups the subcommands and carries the overview shown by `xen-resume --help`.
struct XenResume: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "xen-resume",
    abstract: "Suspend and resume Xen guest domains from dom0.",
    discussion: """
      Runs on real Xen when /dev/xen/privcmd exists and on a simulated host otherwise (--backend). \
      Exit status: 0 ok, 1 refused or failed, 64 usage error, 66 no such domain, 69 backend unavailable, \
      75 timeout, 76 a Xen call failed.
      """,
    subcommands: [
      StatusCommand.self, SuspendCommand.self, ResumeCommand.self, CheckpointCommand.self, DemoCommand.self,
    ])
}
