import ArgumentParser

/// The root command: only groups the subcommands and carries the overview shown by `xen-resume --help`.
struct XenResume: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "xen-resume",
    abstract: "Suspend and resume Xen guest domains from dom0.",
    discussion: """
      Runs on real Xen (--backend xen, the default) and exits 69 where Xen cannot be opened. \
      --backend simulator runs a command on a throwaway simulated host instead, and `xen-resume demo` is \
      always simulated; every line a simulated run prints starts with 'simulated:'. \
      Exit status: 0 ok, 1 refused, failed or a bad capture file, 64 usage error, 66 no such domain, 69 backend unavailable, \
      75 timeout, 76 a Xen call failed.
      """,
    subcommands: [
      StatusCommand.self, SuspendCommand.self, ResumeCommand.self, CheckpointCommand.self, CaptureCommand.self,
      RewindCommand.self, DemoCommand.self,
    ])
}
