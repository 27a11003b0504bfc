import DomZeroProcess
import Glibc
import RealXenLab
import Synchronization

/// The programs dom0 runs, each under a time limit that never reaches past dom0's deadline (the diagnostics must still
/// get out before QEMU's timeout), each recorded as a `CommandRecord` for the judge and in dom0's command log.
public final class LabTools: Sendable {
  /// Where the programs are.
  public struct Paths: Sendable {
    /// xen-resume.
    public var xenResume = "/usr/bin/xen-resume"
    /// The C reference client.
    public var cClient = "/usr/bin/xc-suspend-resume"
    /// xen-host-conformance.
    public var conformance = "/usr/bin/xen-host-conformance"
    /// xen-resume-lifecycle.
    public var lifecycle = "/usr/bin/xen-resume-lifecycle"

    /// The lab image's paths.
    public init() {}
  }

  /// Where the programs are.
  public let paths: Paths
  private let deadline: Double
  private let sequence = Mutex(0)
  private let log = Mutex<[String]>([])

  /// Tools at `paths`, limited to dom0's `deadline` (uptime seconds).
  public init(paths: Paths = Paths(), deadline: Double) {
    self.paths = paths
    self.deadline = deadline
  }

  /// `xen-resume ARGS` (limit 120 s unless given).
  public func xenResume(_ arguments: [String], limit: Double = 120, outputBytes: Int = 16_384) async -> CommandRecord {
    await run(.xenResume, [paths.xenResume] + arguments, limit: limit, outputBytes: outputBytes)
  }

  /// `xc-suspend-resume ARGS` (limit 120 s unless given).
  public func cClient(_ arguments: [String], limit: Double = 120) async -> CommandRecord {
    await run(.cClient, [paths.cClient] + arguments, limit: limit)
  }

  /// One C client cycle on `path` that holds its suspend until @releaseDomain announces it (at most 10 s) before it
  /// resumes: run right after xen-resume, its `seenBy` says whether xen-resume left XS_RESUME done (C xenstored
  /// announces a domain's next suspend only after XS_RESUME). A cycle that resumed at once could undo a suspend found
  /// by its first look or its 200 ms re-read before xenstored handled the suspend's VIRQ_DOM_EXC, and xenstored would
  /// then never announce it: a race of the client's, seen once on the 4.20 lab's Linux 5.10 PVH guest (CI of
  /// 2026-12-07), not a missing XS_RESUME.
  public func cReleaseDomainProbe(_ domain: String, path: String, limit: Double = 120) async -> CommandRecord {
    await cClient(["cycle", domain, "--count", "1", "--path", path, "--release-before-resume"], limit: limit)
  }

  /// `xl ARGS` (limit 60 s unless given).
  public func xl(_ arguments: [String], limit: Double = 60) async -> CommandRecord {
    await run(.xl, ["xl"] + arguments, limit: limit)
  }

  /// `xenstore-read PATH`.
  public func xenstoreRead(_ path: String) async -> CommandRecord {
    await run(.xenstore, ["xenstore-read", path], limit: 30)
  }

  /// Runs `arguments` as `tool` for at most `limit` seconds (less when dom0's deadline is nearer, never under 5 s).
  /// stdout and stderr are kept up to `outputBytes` each (their ends).
  public func run(_ tool: LabTool, _ arguments: [String], limit: Double, outputBytes: Int = 16_384) async
    -> CommandRecord
  {
    let number = sequence.withLock { value in
      value += 1
      return value
    }
    let out = "/tmp/rx-cmd-\(number).out"
    let err = "/tmp/rx-cmd-\(number).err"
    let bounded = max(5, min(limit, deadline - Uptime.seconds()))
    let commandLine = arguments.joined(separator: " ")
    let record: CommandRecord
    do {
      let outcome = try await Spawn.run(
        arguments, limit: .milliseconds(Int(bounded * 1000)), outputPath: out, errorPath: err,
        outputBytes: outputBytes)
      record = CommandRecord(
        cmd: commandLine, tool: tool, rc: outcome.exitCode, timedOut: outcome.timedOut, stdout: outcome.output,
        stderr: FileTail.read(err, maxBytes: outputBytes) ?? "", ms: outcome.milliseconds)
    } catch {
      record = CommandRecord(
        cmd: commandLine, tool: tool, rc: nil, timedOut: false, stdout: "", stderr: "\(error)", ms: 0)
    }
    unlink(out)
    unlink(err)
    let entry = "[\(Uptime.seconds())] \(record.status) \(record.ms)ms: \(commandLine)"
    log.withLock { $0.append(entry) }
    return record
  }

  /// Every command run so far, one line each (for the diagnostics).
  public var commandLog: [String] { log.withLock { $0 } }
}
