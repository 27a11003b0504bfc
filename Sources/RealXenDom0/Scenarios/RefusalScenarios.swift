import RealXenLab

extension Dom0Lab {
  /// registers: vcpu0's registers across a fast resume, the domain held with `xl pause` so that it stays stopped
  /// after the resume (PV: rax set to 1, rip unchanged; pure HVM: both unchanged).
  public func registers(_ guest: GuestRun) async {
    let suspend = await tools.xenResume(["suspend", guest.id, "--json"])
    var pause: CommandRecord?
    var before: Registers?
    var resume: CommandRecord?
    var after: Registers?
    var unpause: CommandRecord?
    if suspend.succeeded {
      pause = await tools.xl(["pause", guest.id])
      before = await xen.registers(guest.domain)
      resume = await tools.xenResume(["resume", guest.id, "--fast", "--json"])
      after = await xen.registers(guest.domain)
      unpause = await tools.xl(["unpause", guest.id])
    }
    let liveness = await GuestConsole.alive(guest.guest)
    let recovered = await recover(guest, .fast)
    record(
      GuestScenario.registers.rawValue, guest: guest.guest,
      RegistersFacts(
        suspend: suspend, pause: pause, before: before, resume: resume, after: after, unpause: unpause,
        liveness: liveness, recovered: recovered))
  }

  /// slow-refused: a slow resume without a soft reset of a PV-aware guest without `--confirm-slow` is refused and
  /// touches nothing (a PV guest's `--slow`, a PVH or PVHVM guest's `--slow --without-soft-reset`: their plain
  /// `--slow` is the soft-reset resume, which needs no confirmation); a fast resume then brings the guest back.
  public func slowRefused(_ guest: GuestRun) async {
    let suspend = await tools.xenResume(["suspend", guest.id, "--json"])
    var regsBefore: Registers?
    var slow: CommandRecord?
    var stateAfterRefusal: DomainView?
    var regsAfter: Registers?
    var fast: CommandRecord?
    if suspend.succeeded {
      regsBefore = await xen.registers(guest.domain)
      let withoutSoftReset = guest.kind == .pv ? [] : ["--without-soft-reset"]
      slow = await tools.xenResume(["resume", guest.id, "--slow"] + withoutSoftReset + ["--json"])
      stateAfterRefusal = await xen.domain(guest.domain)
      regsAfter = await xen.registers(guest.domain)
      fast = await tools.xenResume(["resume", guest.id, "--fast", "--json"])
    }
    let liveness = await GuestConsole.alive(guest.guest)
    let recovered = await recover(guest, .fast)
    record(
      GuestScenario.slowRefused.rawValue, guest: guest.guest,
      SlowRefusedFacts(
        suspend: suspend, regsBefore: regsBefore, slow: slow, stateAfterRefusal: stateAfterRefusal,
        regsAfter: regsAfter, fast: fast, liveness: liveness, recovered: recovered))
  }

  /// shutdown-refused: the hypervisor-shutdown path is refused for a PV-aware guest before anything is touched.
  public func shutdownRefused(_ guest: GuestRun) async {
    let suspend = await tools.xenResume(["suspend", guest.id, "--path", "shutdown", "--json"])
    let stateAfter = await xen.domain(guest.domain)
    let liveness = await GuestConsole.alive(guest.guest)
    // Had it been wrongly suspended through Xen, the guest never made its hypercall: resumedomain only.
    let recovered = await recover(guest, .uncooperative)
    record(
      GuestScenario.shutdownRefused.rawValue, guest: guest.guest,
      ShutdownRefusedFacts(suspend: suspend, stateAfter: stateAfter, liveness: liveness, recovered: recovered))
  }

  /// uncooperative / c-uncooperative: the C client forces the domain down with `xc_domain_shutdown`; `tool` resumes
  /// it with resumedomain only (registers read around it, the domain held paused), then runs a cooperative cycle,
  /// which works only if the resume sent XS_RESUME.
  public func uncooperative(_ guest: GuestRun, tool: UncooperativeTool) async {
    let forcedSuspend = await tools.cClient(["suspend", guest.id, "--path", "shutdown", "--timeout-ms", "10000"])
    let stateForced = await xen.domain(guest.domain)
    var pause: CommandRecord?
    var regsBefore: Registers?
    var resume: CommandRecord?
    var regsAfter: Registers?
    var unpause: CommandRecord?
    var afterCycle: CommandRecord?
    var afterSuspend: CommandRecord?
    var afterResume: CommandRecord?
    var after: Liveness?
    let liveness: Liveness
    if stateForced?.isSuspended == true {
      pause = await tools.xl(["pause", guest.id])
      regsBefore = await xen.registers(guest.domain)
      switch tool {
      case .cClient: resume = await tools.cClient(["resume", guest.id, "--uncooperative"])
      case .xenResume: resume = await tools.xenResume(["resume", guest.id, "--uncooperative", "--json"])
      }
      regsAfter = await xen.registers(guest.domain)
      unpause = await tools.xl(["unpause", guest.id])
      liveness = await GuestConsole.alive(guest.guest)
      if liveness.alive {
        // A cooperative cycle afterwards: it needs XS_RESUME to have been sent by the uncooperative resume.
        switch tool {
        case .cClient:
          afterCycle = await tools.cClient(["cycle", guest.id, "--count", "1", "--timeout-ms", "20000"])
        case .xenResume:
          let suspend = await tools.xenResume(["suspend", guest.id, "--timeout", "20s", "--json"])
          afterSuspend = suspend
          if suspend.succeeded { afterResume = await tools.xenResume(["resume", guest.id, "--fast", "--json"]) }
        }
        after = await GuestConsole.alive(guest.guest)
      }
    } else {
      liveness = await GuestConsole.alive(guest.guest)
    }
    let recovered = await recover(guest, .uncooperative)
    record(
      tool.scenario, guest: guest.guest,
      UncooperativeFacts(
        tool: tool, forcedSuspend: forcedSuspend, stateForced: stateForced, pause: pause, regsBefore: regsBefore,
        resume: resume, regsAfter: regsAfter, unpause: unpause, liveness: liveness, afterCycle: afterCycle,
        afterSuspend: afterSuspend, afterResume: afterResume, after: after, recovered: recovered))
  }

  /// slow-hvm: a pure HVM guest survives a slow resume (no PV state to re-register).
  public func slowHVM(_ guest: GuestRun) async {
    let suspend = await tools.xenResume(["suspend", guest.id, "--json"])
    // Run even after a failed suspend, as dom0 always did: the resume's refusal is then part of the record.
    let resume = await tools.xenResume(["resume", guest.id, "--slow", "--json"])
    // The device-model scenario needs cycles between its samples; this one counts whatever its outcome.
    tally(guest.guest) { $0.cycles += 1 }
    let liveness = await GuestConsole.alive(guest.guest)
    let recovered = await recover(guest, .fast)
    record(
      GuestScenario.slowHVM.rawValue, guest: guest.guest,
      SlowHVMFacts(suspend: suspend, resume: resume, liveness: liveness, recovered: recovered))
  }
}
