/// One command dom0 ran under a time limit, as the judge sees it: the command line, how it ended, what it printed.
public struct CommandRecord: Codable, Sendable, Equatable {
  /// The command line (for the reader; the judge goes by `tool`).
  public var cmd: String
  /// The program run.
  public var tool: LabTool
  /// The exit code; `nil` when it was killed (time limit or signal).
  public var rc: Int32?
  /// Whether dom0's time limit killed it.
  public var timedOut: Bool
  /// Its stdout (the end of it, when long).
  public var stdout: String
  /// Its stderr (the end of it, when long).
  public var stderr: String
  /// Wall time from spawn to exit.
  public var ms: Int

  /// A record.
  public init(cmd: String, tool: LabTool, rc: Int32?, timedOut: Bool, stdout: String, stderr: String, ms: Int) {
    self.cmd = cmd
    self.tool = tool
    self.rc = rc
    self.timedOut = timedOut
    self.stdout = stdout
    self.stderr = stderr
    self.ms = ms
  }

  /// Exit 0.
  public var succeeded: Bool { rc == 0 }

  /// stdout as the one JSON document a `--json` command (or the C client) prints; `nil` when it is not one.
  public var document: JSONDocument? { JSONDocument.parse(stdout) }

  /// stdout decoded as `type`; `nil` when it is not that document.
  public func decode<T: Decodable>(_ type: T.Type) -> T? { LabJSON.decode(type, from: stdout) }

  /// `exit 1`, `killed at dom0's time limit`, `killed by a signal`.
  public var status: String {
    if timedOut { return "killed at dom0's time limit" }
    return rc.map { "exit \($0)" } ?? "killed by a signal"
  }

  /// stderr's last non-empty line, for a problem's message.
  public var lastErrorLine: String? {
    stderr.split(whereSeparator: \.isNewline).last.map { String($0.prefix(160)) }
  }
}

/// The programs dom0 runs.
public enum LabTool: String, Codable, Sendable {
  /// xen-resume, the program under test.
  case xenResume = "xen-resume"
  /// The C reference client over libxenctrl and libxenguest.
  case cClient = "xc-suspend-resume"
  /// xl, Xen's own toolstack.
  case xl
  /// xenstore-read and friends.
  case xenstore
  /// The conformance suite over LibxenHost.
  case conformance = "xen-host-conformance"
  /// The lifecycle scenarios over LibxenHost and xl.
  case lifecycle = "xen-resume-lifecycle"
  /// dom0's own programs (dmesg, for the diagnostics).
  case system
}
