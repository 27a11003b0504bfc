/// `xen-resume suspend` and `resume --fast` of a domain no guest stands for: an id Xen does not know (4242, row
/// "none": exit 66, kind `domainNotFound`) or dom0 (row "dom0": exit 1, kind `refused`, the control domain is never
/// suspended).
public struct GuestlessErrorFacts: ScenarioFacts {
  /// The domain id no domain has.
  public static let unknownDomain = 4242

  /// The domain asked for: `unknownDomain` or 0.
  public var domain: Int
  /// `xen-resume suspend DOMAIN --json`.
  public var suspend: CommandRecord
  /// `xen-resume resume DOMAIN --fast --json`.
  public var resume: CommandRecord

  /// Facts of the two calls.
  public init(domain: Int, suspend: CommandRecord, resume: CommandRecord) {
    self.domain = domain
    self.suspend = suspend
    self.resume = resume
  }

  /// Both exited as the domain requires, with its error kind.
  public func problems(in context: JudgeContext) -> [String] {
    let (code, kind, name): (Int32, String, String) =
      domain == 0 ? (1, "refused", "dom0") : (66, "domainNotFound", "domain \(domain)")
    var problems = Problems()
    problems.cliContract([suspend, resume])
    for (what, record) in [("suspend", suspend), ("resume", resume)] {
      if problems.exit(record, is: code, "\(what) of \(name)") {
        problems.errorKind(record, is: kind, what)
      }
    }
    return problems.list
  }
}

/// `xen-resume resume ID --fast --json` of a running guest: an error that changes nothing.
public struct ResumeRunningFacts: ScenarioFacts {
  /// vcpu0 before the call (the C client's `regs`, as dom0 always read them first).
  public var regsBefore: Registers?
  /// The resume.
  public var resume: CommandRecord
  /// Xen's view afterwards.
  public var stateAfter: DomainView?
  /// The guest's console counter afterwards.
  public var liveness: Liveness

  /// Facts of one resume of a running guest.
  public init(regsBefore: Registers?, resume: CommandRecord, stateAfter: DomainView?, liveness: Liveness) {
    self.regsBefore = regsBefore
    self.resume = resume
    self.stateAfter = stateAfter
    self.liveness = liveness
  }

  /// Exit 1 with kind `notSuspended` and a message that says "not suspended"; Xen reports the domain running and the
  /// guest runs on.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.cliContract([resume])
    if problems.exit(resume, is: 1, "resume of a running guest"),
      problems.errorKind(resume, is: "notSuspended", "resume")
    {
      let message = resume.document?["error"]?["message"]?.string ?? ""
      problems.expect(
        message.lowercased().contains("not suspended"), "message \"\(message)\" does not say \"not suspended\"")
    }
    problems.xen(stateAfter, is: "running", "afterwards")
    problems.alive(liveness)
    return problems.list
  }
}

/// `xen-resume suspend ID --timeout 1ms --json`: the guest cannot acknowledge that fast, so the suspend times out and
/// must withdraw its request (control/shutdown empty again) and leave the guest running.
public struct SuspendTimeoutFacts: ScenarioFacts {
  /// The suspend.
  public var suspend: CommandRecord
  /// `xenstore-read /local/domain/ID/control/shutdown` right after it.
  public var controlShutdown: CommandRecord
  /// Xen's view 2 s later (time for a guest that wrongly saw the request to act on it).
  public var stateAfter: DomainView?
  /// The guest's console counter afterwards.
  public var liveness: Liveness
  /// What `recover(_:_:)` did.
  public var recovered: String?

  /// Facts of one suspend timeout.
  public init(
    suspend: CommandRecord, controlShutdown: CommandRecord, stateAfter: DomainView?, liveness: Liveness,
    recovered: String?
  ) {
    self.suspend = suspend
    self.controlShutdown = controlShutdown
    self.stateAfter = stateAfter
    self.liveness = liveness
    self.recovered = recovered
  }

  /// The node's value as the shell's `$(xenstore-read …)` gave it: without the trailing newline.
  public var controlShutdownValue: String {
    var value = Substring(controlShutdown.stdout)
    while value.last?.isNewline == true { value = value.dropLast() }
    return String(value)
  }

  /// Exit 75 with kind `timeout`; control/shutdown read (exit 0) and empty; Xen reports the domain running and the
  /// guest runs on.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.cliContract([suspend])
    if problems.exit(suspend, is: 75, "suspend --timeout 1ms") {
      problems.errorKind(suspend, is: "timeout", "suspend --timeout 1ms")
    }
    let value = controlShutdownValue
    problems.expect(
      controlShutdown.rc == 0 && value.isEmpty,
      "control/shutdown afterwards: \"\(value)\" (read \(controlShutdown.status)"
        + (controlShutdown.lastErrorLine.map { ": " + $0 } ?? "") + "), expected empty (request withdrawn)")
    problems.xen(stateAfter, is: "running", "afterwards")
    problems.alive(liveness)
    return problems.list
  }
}
