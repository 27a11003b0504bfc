/// What a guest did after a slow resume, in the survival matrix's words.
public enum SlowOutcome: String, Codable, Sendable {
  /// Its console counter moved on and Xen still said running a few seconds later.
  case alive
  /// Alive, after printing the refused vcpu_info registration (`register_vcpu_info failed`).
  case warned
  /// A `Kernel panic - not syncing` line, then shut down.
  case panic
  /// Shut down without a panic line.
  case shutdown
  /// Xen said running and the console did not move within dom0's watch (the default: nothing else was seen).
  case hung

  /// Whether Xen says running and the guest's console moved on (warned or not).
  public var survived: Bool { self == .alive || self == .warned }

  /// The outcome in the survival matrix's words: `alive`, `alive; warned: LINE`, `panic: MESSAGE; shut down (crash)`,
  /// `shut down (reboot)`, `hung` (a hung kernel's first WARNING/BUG line varies from run to run: it goes to the note,
  /// not the cell).
  public func cell(panic: String?, warning: String?, finalState: DomainView?) -> String {
    let reason = finalState?.shutdownReason
    let reasonName = reason.map { DomainView.reasonNames[$0] ?? String($0) } ?? "none"
    switch self {
    case .alive: return "alive"
    case .warned: return "alive; warned: \(warning ?? "")"
    case .panic: return "panic: \(panic ?? ""); shut down (\(reasonName))"
    case .shutdown: return "shut down (\(reasonName))"
    case .hung: return "hung"
    }
  }

  /// The note under a matrix cell: the warning and the first trouble line, `; `-joined; `nil` when neither.
  static func note(warning: String?, trouble: String?) -> String? {
    let lines = [warning, trouble].compactMap { $0 }.filter { !$0.isEmpty }
    return lines.isEmpty ? nil : lines.joined(separator: "; ")
  }

  /// Problems with an outcome that does not agree with what was seen: a panic or a shutdown is a shutdown Xen reports
  /// with a reason other than suspend, a panic has its message, a guest alive is one Xen reports running, a warned
  /// one has its warning line. `counter` is for the message.
  func disagreements(
    panic: String?, warning: String?, state view: DomainView?, counter: String, _ problems: inout Problems
  ) {
    let state = view?.state
    let reason = view?.shutdownReason
    switch self {
    case .panic, .shutdown:
      problems.expect(
        state == "shutdown" && reason != nil && reason != 2,
        "outcome \(rawValue) but Xen reports \(state ?? "nothing") (reason \(reason.map(String.init) ?? "none"))")
      if self == .panic {
        problems.expect(panic?.isEmpty == false, "outcome panic without the panic's message")
      }
    case .alive, .warned:
      problems.expect(
        state == "running", "outcome \(rawValue) but Xen reports \(state ?? "nothing") (counter \(counter))")
      if self == .warned {
        problems.expect(warning?.isEmpty == false, "outcome warned without the warning line")
      }
    case .hung:
      break
    }
  }
}

/// The same-domain slow-resume outcome (the survival matrix's cell): `xen-resume suspend`, then `resume --slow
/// --without-soft-reset --confirm-slow` (Xen's `XEN_DOMCTL_resumedomain` alone, as before the soft-reset resume: the
/// flag changes nothing for PV and pure HVM guests), then what the guest did within dom0's watch, from its console and
/// Xen's view. The guest is not used afterwards. On a PVH or PVHVM guest it runs right after `slow-soft-reset`; when
/// that left the guest dead, nothing is run and the facts say why (`skipped`).
public struct SlowOutcomeFacts: ScenarioFacts {
  /// `xen-resume suspend DOMAIN --json`; `nil` when skipped.
  public var suspend: CommandRecord?
  /// `xen-resume resume DOMAIN --slow --without-soft-reset --confirm-slow --json`; `nil` when the suspend failed or
  /// nothing was run.
  public var resume: CommandRecord?
  /// The guest's type (the matrix's row).
  public var type: GuestKind
  /// The guest's kernel (the matrix's row).
  public var kernel: String
  /// What the guest did (`hung`, the default, when skipped: see `skipped`).
  public var outcome: SlowOutcome
  /// The panic's message (after `Kernel panic - not syncing: `), when there was one.
  public var panic: String?
  /// The refused registration line the kernel printed after the resume, when it did.
  public var warning: String?
  /// The first sign of trouble after the resume (a WARNING, BUG, oops, invalid opcode or general protection line).
  public var trouble: String?
  /// Up to 12 lines of note after the resume (registration, WARNING, BUG, oops, panic, RIP), newline-separated.
  public var notable: String?
  /// The console counter at the resume and at the end of the watch (`"41->47"`).
  public var counter: String
  /// Xen's last view of the domain.
  public var finalState: DomainView?
  /// The console's last 700 bytes at the end of the watch.
  public var console: String
  /// Why nothing was run: the soft-reset resume just before it did not leave the guest alive, so a same-domain
  /// resume of it would measure nothing (`nil`: it ran).
  public var skipped: String?

  /// Facts of one slow-resume outcome.
  public init(
    suspend: CommandRecord?, resume: CommandRecord?, type: GuestKind, kernel: String, outcome: SlowOutcome,
    panic: String?, warning: String?, trouble: String?, notable: String?, counter: String, finalState: DomainView?,
    console: String, skipped: String? = nil
  ) {
    self.suspend = suspend
    self.resume = resume
    self.type = type
    self.kernel = kernel
    self.outcome = outcome
    self.panic = panic
    self.warning = warning
    self.trouble = trouble
    self.notable = notable
    self.counter = counter
    self.finalState = finalState
    self.console = console
    self.skipped = skipped
  }

  /// Facts of an outcome not observed because the soft-reset resume before it left the guest dead: `reason` says how.
  public static func skipped(type: GuestKind, kernel: String, reason: String, finalState: DomainView?) -> Self {
    SlowOutcomeFacts(
      suspend: nil, resume: nil, type: type, kernel: kernel, outcome: .hung, panic: nil, warning: nil, trouble: nil,
      notable: nil, counter: "not read", finalState: finalState, console: "", skipped: reason)
  }

  /// Both commands worked (whatever the guest did next is the finding, not a failure), and the outcome agrees with
  /// what was seen: a panic or a shutdown is a shutdown Xen reports with a reason other than suspend, a panic has its
  /// message, a guest alive is one Xen reports running, a warned one has its warning line. A skipped outcome passes
  /// (slow-soft-reset's own verdict reports the dead guest) as long as nothing was run.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    if let skipped {
      problems.expect(!skipped.isEmpty, "skipped without a reason")
      problems.expect(suspend == nil && resume == nil, "skipped, yet commands were run")
      return problems.list
    }
    problems.cliContract([suspend, resume])
    problems.exit(suspend, is: 0, "suspend")
    problems.exit(resume, is: 0, "slow resume")
    outcome.disagreements(panic: panic, warning: warning, state: finalState, counter: counter, &problems)
    return problems.list
  }

  /// The outcome in the survival matrix's words (`SlowOutcome.cell`); `not observed` when skipped.
  public var matrixCell: String {
    skipped == nil ? outcome.cell(panic: panic, warning: warning, finalState: finalState) : "not observed"
  }

  /// The matrix's note under the cell: the warning and the first trouble line, `; `-joined, or why it was skipped;
  /// `nil` when none of them.
  public var matrixNote: String? {
    if let skipped { return "not observed: \(skipped)" }
    return SlowOutcome.note(warning: warning, trouble: trouble)
  }
}
