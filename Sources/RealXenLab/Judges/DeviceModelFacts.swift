/// The device model (QEMU) of an HVM-family guest at one moment: what QMP's `query-status` answered, its pid, and how
/// many suspend/resume cycles the guest had had by then.
public struct DeviceModelSample: Codable, Sendable, Equatable {
  /// The C client's `qmp ID query-status` document (`{"reply":{"return":{"status":"running",…}},…}`); `nil` when
  /// it printed none.
  public var queryStatus: JSONDocument?
  /// `/local/domain/ID/image/device-model-pid`; `nil` when it could not be read.
  public var pid: String?
  /// The guest's tally of suspend/resume cycles (by any tool) at the sample.
  public var cycles: Int

  /// A sample.
  public init(queryStatus: JSONDocument?, pid: String?, cycles: Int) {
    self.queryStatus = queryStatus
    self.pid = pid
    self.cycles = cycles
  }

  /// The run state QMP reported (`"running"`, `"paused"`, …).
  public var status: String? { queryStatus?["reply"]?["return"]?["status"]?.string }
}

/// The device model runs on through the guest's suspends: sampled when the group starts and again here, it is the
/// same process, alive, and running both times, with cycles in between. Xen's cooperative suspends leave it alone;
/// only a slow resume or a save would replace it.
public struct DeviceModelFacts: ScenarioFacts {
  /// The sample at the group's start.
  public var before: DeviceModelSample
  /// `xc-suspend-resume qmp ID query-status` now.
  public var qmpAfter: CommandRecord
  /// The device model's pid now; `nil` when it could not be read.
  public var pidAfter: String?
  /// Whether /proc/PID exists for `pidAfter`.
  public var processAlive: Bool
  /// The guest's tally of cycles now.
  public var cyclesAfter: Int
  /// The guest's console counter afterwards.
  public var liveness: Liveness

  /// Facts of one device-model check.
  public init(
    before: DeviceModelSample, qmpAfter: CommandRecord, pidAfter: String?, processAlive: Bool, cyclesAfter: Int,
    liveness: Liveness
  ) {
    self.before = before
    self.qmpAfter = qmpAfter
    self.pidAfter = pidAfter
    self.processAlive = processAlive
    self.cyclesAfter = cyclesAfter
    self.liveness = liveness
  }

  /// Suspend/resume cycles between the two samples.
  public var cyclesBetween: Int { cyclesAfter - before.cycles }

  /// The run state QMP reported now.
  public var statusAfter: String? { qmpAfter.document?["reply"]?["return"]?["status"]?.string }

  /// Cycles between the samples; QMP said running both times; the same pid both times, its process alive; the guest
  /// runs on.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.expect(cyclesBetween > 0, "no suspend/resume cycles between the two samples")
    problems.expect(
      before.status == "running",
      "qmpBefore: device model status \(before.status.map { "\"\($0)\"" } ?? "none"), expected \"running\""
        + (before.queryStatus?["error"]?.string.map { " (\($0))" } ?? ""))
    // The C client exits 0 only for a reply with a "return"; its error (a socket's) is in its document.
    problems.expect(
      qmpAfter.succeeded && statusAfter == "running",
      "qmpAfter: device model status \(statusAfter.map { "\"\($0)\"" } ?? "none"), expected \"running\" "
        + "(`\(qmpAfter.cmd)` \(qmpAfter.status)"
        + (qmpAfter.document?["error"]?.string.map { ": \($0)" } ?? "") + ")")
    problems.expect(
      before.pid != nil && before.pid == pidAfter && processAlive,
      "device model pid \(before.pid ?? "none") -> \(pidAfter ?? "none") (alive: \(processAlive))")
    problems.alive(liveness)
    return problems.list
  }
}
