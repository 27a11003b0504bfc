/// One step line of `xen-resume-lifecycle`, as printed (its fields kept loose, so that a malformed line is judged
/// with a message rather than dropped).
public struct LifecycleStepLine: Codable, Sendable, Equatable {
  /// The scenario, e.g. `foreign-suspend`.
  public var lifecycle: String
  /// The step, e.g. `refuse-suspend`.
  public var step: String
  /// The guest's type as the program was told it.
  public var guest: String?
  /// The guest's domain.
  public var domain: Int?
  /// `passed`, `failed` or `skipped`.
  public var outcome: String?
  /// What went wrong, why it was skipped, or what was seen.
  public var detail: String?
  /// How long the step took.
  public var milliseconds: Double?
  /// What the program observed (errors as `{"kind":…,"description":…}`, Xen's view as `{"state":…}`, vcpu0 context
  /// digests): the judge re-checks them.
  public var facts: JSONDocument?

  /// A line.
  public init(
    lifecycle: String, step: String, guest: String?, domain: Int?, outcome: String?, detail: String?,
    milliseconds: Double?, facts: JSONDocument?
  ) {
    self.lifecycle = lifecycle
    self.step = step
    self.guest = guest
    self.domain = domain
    self.outcome = outcome
    self.detail = detail
    self.milliseconds = milliseconds
    self.facts = facts
  }

  /// The line in `object`; `nil` when it is not a step (the summary, or something else).
  public init?(_ object: JSONDocument) {
    guard let lifecycle = object["lifecycle"]?.string, let step = object["step"]?.string else { return nil }
    self.init(
      lifecycle: lifecycle, step: step, guest: object["guest"]?.string, domain: object["domain"]?.integer,
      outcome: object["outcome"]?.string, detail: object["detail"]?.string,
      milliseconds: object["milliseconds"]?.double, facts: object["facts"])
  }

  /// Which row it belongs to.
  struct RowKey: Hashable {
    var scenario: String
    var guest: String?
  }

  var rowKey: RowKey { RowKey(scenario: lifecycle, guest: guest) }
}

/// Row "lifecycle/NAME": one scenario on one guest, judged over all its steps.
public struct LifecycleScenarioFacts: ScenarioFacts {
  /// The scenario.
  public var scenario: String
  /// The guest's type, as the program names it.
  public var guest: String?
  /// The domain dom0 gave the program for this guest; `nil` when it gave none.
  public var givenDomain: Int?
  /// The step lines, in the order printed.
  public var steps: [LifecycleStepLine]

  /// Facts of one scenario on one guest.
  public init(scenario: String, guest: String?, givenDomain: Int?, steps: [LifecycleStepLine]) {
    self.scenario = scenario
    self.guest = guest
    self.givenDomain = givenDomain
    self.steps = steps
  }

  /// Every step `LifecycleJudge.steps(of:for:)` names, in order, reported once on the domain dom0 gave, each passed
  /// with its facts re-checked, or skipped only where `LifecycleJudge.maySkip` allows it (a skip ends the scenario).
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    let kind = guest.flatMap(GuestKind.init(rawValue:)) ?? context.kind
    let expected = LifecycleJudge.steps(of: scenario, for: kind)
    if let givenDomain {
      for line in steps {
        problems.expect(
          line.domain == givenDomain,
          "\(line.step): domain \(line.domain.map(String.init) ?? "none"), dom0 gave \(givenDomain)")
      }
    } else {
      problems.add("guest \(LineText.quoted(guest)) is not one dom0 gave the program")
    }
    var order: [String] = []
    var byStep: [String: [LifecycleStepLine]] = [:]
    for line in steps {
      if byStep[line.step] == nil { order.append(line.step) }
      byStep[line.step, default: []].append(line)
    }
    for step in order {
      problems.expect(expected.contains(step), "unknown step \"\(step)\"")
      let count = byStep[step]?.count ?? 0
      problems.expect(count == 1, "\(step): reported \(count) times")
    }
    for step in expected {
      guard let line = byStep[step]?.first else {
        problems.add("\(step): not reported (an earlier step failed, or the run was cut short)")
        break
      }
      let detail = line.detail ?? ""
      problems.expect(
        OutcomeCounts.outcomes.contains(line.outcome ?? ""), "\(step): outcome \(LineText.quoted(line.outcome))")
      if line.outcome == "skipped" {
        // A guest that advertises a suspend event channel has no reason to skip anything.
        let reason =
          context.guest?.advertisesSuspendEventChannel == true ? nil : LifecycleJudge.maySkip[scenario]?[step]
        problems.expect(
          reason.map { detail.contains($0) } == true,
          "\(step): skipped (\(detail.isEmpty ? "no reason" : String(detail.prefix(300))))"
            + (reason == nil ? ": this step may not be skipped" : ""))
        break
      }
      if line.outcome == "failed" { problems.add("\(step): failed: \(detail.prefix(400))") }
      Self.recheck(line, of: scenario, &problems)
    }
    return problems.list
  }

  /// Re-checks one step's facts: the program's own verdict is not taken on trust.
  static func recheck(_ line: LifecycleStepLine, of scenario: String, _ problems: inout Problems) {
    let step = line.step
    let facts = line.facts ?? .object([:])
    func state(_ key: String) -> String? { facts[key]?["state"]?.string }
    func described(_ key: String) -> String { LineText.quoted(facts[key]?["description"]?.string) }
    func runningAndAlive() {
      problems.expect(
        state("stateAfter") == "running" && facts["alive"]?.bool == true,
        "\(step): domain \(LineText.quoted(state("stateAfter"))), alive \(facts["alive"]?.text ?? "none") "
          + "(\(facts["counter"]?.string ?? "no counter"))")
    }
    if facts["unexpectedError"] != nil { problems.add("\(step): unexpected error \(described("unexpectedError"))") }
    if LifecycleJudge.cycleSteps.contains(step) {
      for (key, what) in [("suspendError", "suspend"), ("resumeError", "resume")] where facts[key] != nil {
        problems.add("\(step): \(what) failed: \(described(key))")
      }
      problems.expect(
        state("stateAfter") == "running",
        "\(step): domain \(LineText.quoted(state("stateAfter"))) afterwards, expected running")
      problems.expect(
        facts["alive"]?.bool == true, "\(step): guest not alive (counter \(facts["counter"]?.string ?? "not read"))")
      return
    }
    switch step {
    case "other-suspends", "c-suspends":
      problems.expect(
        state("stateAfter") == "suspended",
        "\(step): domain \(LineText.quoted(state("stateAfter"))) after the other toolstack's suspend, expected suspended"
      )
    case "refuse-suspend", "refuse-resume", "c-refuse-suspend", "c-refuse-resume":
      let kind = facts["error"]?["kind"]?.string
      problems.expect(
        kind == "refused", "\(step): expected a refusal, got \(kind ?? "success"): \(described("error"))")
      problems.expect(
        state("stateAfter") == "suspended",
        "\(step): domain \(LineText.quoted(state("stateAfter"))) afterwards, expected suspended")
      let before = facts["contextBefore"]?["digest"]?.string
      let after = facts["contextAfter"]?["digest"]?.string
      let differing = facts["contextChange"]?["differingBytes"]?.integer
      problems.expect(
        before != nil && before == after && differing == 0,
        "\(step): vcpu0 context \(before ?? "none") -> \(after ?? "none") "
          + "(\(differing.map(String.init) ?? "?") bytes differ; rax "
          + "\(facts["contextBefore"]?["returnRegister"]?.string ?? "?") -> "
          + "\(facts["contextAfter"]?["returnRegister"]?.string ?? "?"))")
    case "other-resumes", "c-resumes":
      runningAndAlive()
    case "suspend" where scenario == "leftover-subscription":
      if facts["suspendError"] != nil { problems.add("\(step): \(described("suspendError"))") }
      let took = facts["suspend"]?["durationMicroseconds"]?.integer
      let limit = (facts["timeoutMilliseconds"]?.double ?? 0) * 1000 / 2
      problems.expect(
        took.map { Double($0) < limit } == true,
        "\(step): took \(took.map { "\($0) us" } ?? "no measured time"), expected under half the timeout "
          + "(\(Int(limit)) us)")
      runningAndAlive()
    case "replace":
      for stage in ["save", "restore"] {
        let status = facts[stage]?["status"]?.string
        problems.expect(status == "exit 0", "\(step): xl \(stage): \(status ?? "not run")")
      }
      problems.expect(state("after") == "running", "\(step): new domain \(LineText.quoted(state("after")))")
      problems.expect(
        facts["cpuTimeRestarted"]?.bool == true || facts["sameHandle"]?.bool == false,
        "\(step): same handle and cpu_time did not restart (no new domain)")
      problems.expect(
        facts["alive"]?.bool == true,
        "\(step): restored guest not alive (\(facts["counter"]?.string ?? "no counter"))")
    case "suspend-while-xenstored-dies":
      let kind = facts["error"]?["kind"]?.string
      problems.expect(
        kind != nil && kind != "timedOut",
        "\(step): expected an error about the lost xenstored, got \(kind ?? "no error"): \(described("error"))")
      let after = facts["millisecondsAfterKill"]?.integer
      problems.expect(
        after.map { $0 < 10_000 } == true,
        "\(step): failed \(after.map(String.init) ?? "?") ms after xenstored died (expected under 10 s)")
      problems.expect(
        facts["error"]?["description"]?.string?.lowercased().contains("xenstore") == true,
        "\(step): the error does not name xenstore")
    case "checkpoint-before", "checkpoint-after":
      if facts["checkpointError"] != nil { problems.add("\(step): \(described("checkpointError"))") }
      runningAndAlive()
    default:
      break
    }
  }
}

/// Row "lifecycle-alive": a guest after the lifecycle scenarios (suspended by this controller and by another
/// toolstack, refused, resumed).
public struct LifecycleAliveFacts: ScenarioFacts {
  /// The domain the program was given.
  public var domid: Int
  /// The guest's domain id afterwards (`xl domid`); `nil` when xl knows no such domain.
  public var domidNow: Int?
  /// The console counter afterwards.
  public var liveness: Liveness
  /// Xen's view afterwards.
  public var stateAfter: DomainView?

  /// Facts of a guest after the lifecycle scenarios.
  public init(domid: Int, domidNow: Int?, liveness: Liveness, stateAfter: DomainView?) {
    self.domid = domid
    self.domidNow = domidNow
    self.liveness = liveness
    self.stateAfter = stateAfter
  }

  /// Alive, running in Xen's view, under the same domain id.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.alive(liveness, "guest (domain \(domid))")
    problems.xen(stateAfter, is: "running", "after the lifecycle scenarios")
    problems.expect(domidNow == domid, "domain id \(domid) -> \(domidNow.map(String.init) ?? "none")")
    return problems.list
  }
}

/// Row "xenstored-lost-run": the second lifecycle run, dom0's last act (it kills xenstored under a waiting suspend).
/// Its step is row "lifecycle/xenstored-lost"; its summary line is the program's alone.
public struct XenStoredLostRunFacts: ScenarioFacts {
  /// The PV guest's domain; `nil` when there was no PV guest to run it on.
  public var domid: Int?
  /// The command (stdout left out: its step is the other row; stderr's end); `nil` when dom0 did not start it.
  public var run: CommandRecord?
  /// The step lines read from its stdout.
  public var stepLines: Int

  /// Facts of the run.
  public init(domid: Int?, run: CommandRecord?, stepLines: Int) {
    self.domid = domid
    self.run = run
    self.stepLines = stepLines
  }

  /// It ended by itself (exit 0, or 1 for a failed step: a kill at dom0's limit means it hung on the dead
  /// xenstored) and reported its one step.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    guard let run else {
      problems.add("not run: no PV guest booted")
      return problems.list
    }
    problems.expect(
      !run.timedOut && (run.rc == 0 || run.rc == 1),
      "`\(run.cmd)` \(run.status), expected exit 0 or 1 (killed at dom0's limit: hung on the dead xenstored): "
        + String(run.stderr.suffix(300)))
    problems.expect(stepLines == 1, "\(stepLines) step lines, expected 1")
    return problems.list
  }
}
