/// vcpu0's registers across a fast resume: xen-resume suspends, `xl pause` holds the domain so that it stays stopped
/// after the resume, the C client reads the registers before and after `resume --fast`, then `xl unpause`.
public struct RegistersFacts: ScenarioFacts {
  /// `xen-resume suspend ID --json`.
  public var suspend: CommandRecord
  /// `xl pause ID` (only after a suspend that worked, like everything up to `unpause`).
  public var pause: CommandRecord?
  /// vcpu0 before the resume.
  public var before: Registers?
  /// `xen-resume resume ID --fast --json`.
  public var resume: CommandRecord?
  /// vcpu0 after the resume, still held paused.
  public var after: Registers?
  /// `xl unpause ID`.
  public var unpause: CommandRecord?
  /// The guest's console counter afterwards.
  public var liveness: Liveness
  /// What `recover(_:_:)` did (`nil`: nothing was left suspended).
  public var recovered: String?

  /// Facts of one registers run.
  public init(
    suspend: CommandRecord, pause: CommandRecord?, before: Registers?, resume: CommandRecord?, after: Registers?,
    unpause: CommandRecord?, liveness: Liveness, recovered: String?
  ) {
    self.suspend = suspend
    self.pause = pause
    self.before = before
    self.resume = resume
    self.after = after
    self.unpause = unpause
    self.liveness = liveness
    self.recovered = recovered
  }

  /// Suspend and resume worked; a PV fast resume set rax (the suspend hypercall's return value) to 1 and left rip
  /// alone, a pure HVM one (no hypercall to return from) left both alone; the guest runs on.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.cliContract([suspend, resume])
    if problems.exit(suspend, is: 0, "suspend") {
      // Without the pause the guest runs between the two readings and the comparison means nothing.
      problems.exit(pause, is: 0, "xl pause")
      problems.exit(resume, is: 0, "resume --fast")
      if context.kind == .hvm {
        problems.unchanged(before, after, "pure HVM fast resume")
      } else {
        problems.expect(
          after?.rax == "0x1",
          "PV fast resume: rax \(before?.rax ?? "?") -> \(after?.rax ?? "?"), expected 0x1"
            + (after?.error.map { " (\($0))" } ?? ""))
        problems.expect(
          after?.rip == before?.rip, "rip moved while held paused: \(before?.rip ?? "?") -> \(after?.rip ?? "?")")
      }
    }
    problems.alive(liveness)
    return problems.list
  }
}

/// A slow resume of a PV-aware guest without `--confirm-slow`: refused, the domain left suspended and untouched, and
/// a fast resume afterwards still works.
public struct SlowRefusedFacts: ScenarioFacts {
  /// `xen-resume suspend ID --json`.
  public var suspend: CommandRecord
  /// vcpu0 before the refused resume (only after a suspend that worked, like everything up to `fast`).
  public var regsBefore: Registers?
  /// `xen-resume resume ID --slow --json`.
  public var slow: CommandRecord?
  /// Xen's view after the refusal.
  public var stateAfterRefusal: DomainView?
  /// vcpu0 after the refusal.
  public var regsAfter: Registers?
  /// `xen-resume resume ID --fast --json`.
  public var fast: CommandRecord?
  /// The guest's console counter afterwards.
  public var liveness: Liveness
  /// What `recover(_:_:)` did.
  public var recovered: String?

  /// Facts of one slow-refused run.
  public init(
    suspend: CommandRecord, regsBefore: Registers?, slow: CommandRecord?, stateAfterRefusal: DomainView?,
    regsAfter: Registers?, fast: CommandRecord?, liveness: Liveness, recovered: String?
  ) {
    self.suspend = suspend
    self.regsBefore = regsBefore
    self.slow = slow
    self.stateAfterRefusal = stateAfterRefusal
    self.regsAfter = regsAfter
    self.fast = fast
    self.liveness = liveness
    self.recovered = recovered
  }

  /// The slow resume exited 1 with kind `refused`, Xen still reports the domain suspended, vcpu0's registers are
  /// unchanged, the fast resume afterwards worked and the guest runs on.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.cliContract([suspend, slow, fast])
    if problems.exit(suspend, is: 0, "suspend") {
      if problems.exit(slow, is: 1, "resume --slow without --confirm-slow") {
        problems.errorKind(slow, is: "refused", "resume --slow")
      }
      problems.xen(stateAfterRefusal, is: "shutdown", reason: 2, "after the refusal")
      problems.unchanged(regsBefore, regsAfter, "refused slow resume")
      problems.exit(fast, is: 0, "resume --fast afterwards")
    }
    problems.alive(liveness)
    return problems.list
  }
}

/// `xen-resume suspend ID --path shutdown --json` on a PV-aware guest: refused before anything is touched.
public struct ShutdownRefusedFacts: ScenarioFacts {
  /// The suspend.
  public var suspend: CommandRecord
  /// Xen's view afterwards.
  public var stateAfter: DomainView?
  /// The guest's console counter afterwards.
  public var liveness: Liveness
  /// What `recover(_:_:)` did (uncooperatively: a domain wrongly suspended through Xen never made its hypercall).
  public var recovered: String?

  /// Facts of one shutdown-refused run.
  public init(suspend: CommandRecord, stateAfter: DomainView?, liveness: Liveness, recovered: String?) {
    self.suspend = suspend
    self.stateAfter = stateAfter
    self.liveness = liveness
    self.recovered = recovered
  }

  /// Exit 1 with kind `refused`, Xen reports the domain running, the guest runs on.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.cliContract([suspend])
    if problems.exit(suspend, is: 1, "suspend --path shutdown") {
      problems.errorKind(suspend, is: "refused", "suspend --path shutdown")
    }
    problems.xen(stateAfter, is: "running", "after the refusal")
    problems.alive(liveness)
    return problems.list
  }
}

/// Which tool resumes the domain the C client forced down in an uncooperative run.
public enum UncooperativeTool: String, Codable, Sendable {
  /// The C reference client (`xc-suspend-resume resume ID --uncooperative`): the baseline, row "c-uncooperative".
  case cClient
  /// xen-resume (`resume ID --uncooperative --json`): row "uncooperative".
  case xenResume

  /// The result row's scenario name.
  public var scenario: String { self == .cClient ? "c-uncooperative" : "uncooperative" }
}

/// An uncooperative resume: the C client forces the domain down with `xc_domain_shutdown` (Xen reports it suspended,
/// though the guest never made its suspend hypercall), `xl pause` holds it, the registers are read around the resume
/// with resumedomain only, then `xl unpause`; once the guest runs on, a cooperative cycle by the same tool must work,
/// which needs the resume to have sent XS_RESUME (C xenstored re-arms @releaseDomain for the domain on it).
public struct UncooperativeFacts: ScenarioFacts {
  /// The tool that resumed.
  public var tool: UncooperativeTool
  /// `xc-suspend-resume suspend ID --path shutdown --timeout-ms 10000`.
  public var forcedSuspend: CommandRecord
  /// Xen's view after it.
  public var stateForced: DomainView?
  /// `xl pause ID` (only once Xen reports the domain suspended, like everything up to `unpause`).
  public var pause: CommandRecord?
  /// vcpu0 before the resume.
  public var regsBefore: Registers?
  /// The uncooperative resume, by `tool`.
  public var resume: CommandRecord?
  /// vcpu0 after it, still held paused.
  public var regsAfter: Registers?
  /// `xl unpause ID`.
  public var unpause: CommandRecord?
  /// The guest's console counter after the resume (or after the forced suspend, when it did not suspend).
  public var liveness: Liveness
  /// The C client's cooperative cycle afterwards (`cycle ID --count 1 --timeout-ms 20000`), when the guest ran on.
  public var afterCycle: CommandRecord?
  /// xen-resume's cooperative suspend afterwards (`suspend ID --timeout 20s --json`), when the guest ran on.
  public var afterSuspend: CommandRecord?
  /// xen-resume's fast resume after that, when the suspend worked.
  public var afterResume: CommandRecord?
  /// The guest's console counter after the cooperative cycle.
  public var after: Liveness?
  /// What `recover(_:_:)` did (uncooperatively).
  public var recovered: String?

  /// Facts of one uncooperative run.
  public init(
    tool: UncooperativeTool, forcedSuspend: CommandRecord, stateForced: DomainView?, pause: CommandRecord?,
    regsBefore: Registers?, resume: CommandRecord?, regsAfter: Registers?, unpause: CommandRecord?,
    liveness: Liveness, afterCycle: CommandRecord?, afterSuspend: CommandRecord?, afterResume: CommandRecord?,
    after: Liveness?, recovered: String?
  ) {
    self.tool = tool
    self.forcedSuspend = forcedSuspend
    self.stateForced = stateForced
    self.pause = pause
    self.regsBefore = regsBefore
    self.resume = resume
    self.regsAfter = regsAfter
    self.unpause = unpause
    self.liveness = liveness
    self.afterCycle = afterCycle
    self.afterSuspend = afterSuspend
    self.afterResume = afterResume
    self.after = after
    self.recovered = recovered
  }

  /// The forced suspend left the domain suspended; the resume worked (xen-resume's in mode `uncooperative`) and left
  /// vcpu0's registers alone; the guest ran on; the cooperative cycle afterwards worked (the C client's woken by
  /// @releaseDomain, not only by its poll: XS_RESUME was sent) and the guest ran on after it.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.cliContract([forcedSuspend, resume, afterCycle, afterSuspend, afterResume])
    problems.exit(forcedSuspend, is: 0, "forced suspend (C client, xc_domain_shutdown)")
    // Nothing else ran unless Xen reported the domain suspended.
    guard problems.xen(stateForced, is: "shutdown", reason: 2, "after the forced suspend") else {
      problems.alive(liveness)
      return problems.list
    }
    problems.exit(pause, is: 0, "xl pause")
    if problems.exit(resume, is: 0, "resume --uncooperative"), tool == .xenResume {
      let mode = resume?.document?["mode"]
      problems.expect(
        mode?.string == "uncooperative", "mode \(mode?.text ?? "none"), expected \"uncooperative\"")
    }
    problems.unchanged(regsBefore, regsAfter, "uncooperative resume")
    // The cooperative cycle runs only on a guest that ran on.
    guard problems.alive(liveness) else { return problems.list }
    switch tool {
    case .cClient:
      if problems.exit(afterCycle, is: 0, "C cycle afterwards") {
        let poll = afterCycle?.document?["seenBy"]?["poll"]
        problems.expect(
          poll?.integer == 0,
          "C cycle afterwards: \(poll?.text ?? "no") suspend(s) noticed only by its poll, expected 0 "
            + "(no @releaseDomain: the uncooperative resume sent no XS_RESUME)")
      }
    case .xenResume:
      if problems.exit(afterSuspend, is: 0, "cooperative suspend afterwards") {
        problems.exit(afterResume, is: 0, "fast resume afterwards")
      }
    }
    problems.expect(after?.alive == true, "guest not alive after the cooperative cycle that followed")
    return problems.list
  }
}

/// A pure HVM guest's slow resume: `xen-resume suspend` (the hypervisor-shutdown path) then `resume --slow` (no PV
/// state to re-register, so no `--confirm-slow` is needed).
public struct SlowHVMFacts: ScenarioFacts {
  /// `xen-resume suspend ID --json`.
  public var suspend: CommandRecord
  /// `xen-resume resume ID --slow --json`.
  public var resume: CommandRecord
  /// The guest's console counter afterwards.
  public var liveness: Liveness
  /// What `recover(_:_:)` did.
  public var recovered: String?

  /// Facts of one slow-hvm run.
  public init(suspend: CommandRecord, resume: CommandRecord, liveness: Liveness, recovered: String?) {
    self.suspend = suspend
    self.resume = resume
    self.liveness = liveness
    self.recovered = recovered
  }

  /// The suspend took the hypervisor-shutdown path, the resume was slow, both exited 0, the guest runs on.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.cliContract([suspend, resume])
    if problems.exit(suspend, is: 0, "suspend") {
      let path = suspend.document?["path"]
      problems.expect(
        path?.string == "hypervisorShutdown", "path \(path?.text ?? "none"), expected \"hypervisorShutdown\"")
    }
    if problems.exit(resume, is: 0, "resume --slow") {
      let mode = resume.document?["mode"]
      problems.expect(mode?.string == "slow", "mode \(mode?.text ?? "none"), expected \"slow\"")
    }
    problems.alive(liveness)
    return problems.list
  }
}
