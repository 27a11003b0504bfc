/// The COLO check of the soft-reset resume: while the guest was suspended, dom0 rewrote the first 8 bytes of the page
/// the guest's `rx-colo` announced (`ColoConsole`), and the guest must print the new value once it runs again. Values
/// are `0x` and 16 hex digits (`ColoConsole.hex`).
public struct ColoFacts: Codable, Sendable, Equatable {
  /// The guest frame the guest announced (`RX-COLO gfn=`); `nil` when it announced none.
  public var frame: String?
  /// The value the guest printed last before the suspend.
  public var guestValue: String?
  /// What dom0 read from that frame while the guest was suspended, before writing: the guest's value, when the frame
  /// is the guest's page (dom0 writes nothing otherwise).
  public var readBefore: String?
  /// What dom0 wrote there: the guest's value with every bit flipped, so it differs from anything the guest had.
  public var written: String?
  /// What dom0 read back after writing.
  public var readBack: String?
  /// Why dom0 wrote nothing or could not finish (no announcement, the guest's `RX-COLO failed` line, a frame holding
  /// something else, a failed mapping); `nil` when it wrote and read back.
  public var error: String?
  /// The values the guest printed after the soft-reset resume, in order.
  public var valuesAfter: [String]

  /// Facts of one COLO check.
  public init(
    frame: String?, guestValue: String?, readBefore: String?, written: String?, readBack: String?, error: String?,
    valuesAfter: [String]
  ) {
    self.frame = frame
    self.guestValue = guestValue
    self.readBefore = readBefore
    self.written = written
    self.readBack = readBack
    self.error = error
    self.valuesAfter = valuesAfter
  }

  /// dom0 found the guest's value in the announced frame, wrote a new one, read it back, and the last value the guest
  /// printed after the resume is the one written.
  func problems(_ problems: inout Problems) {
    if let error {
      problems.add("COLO: \(error)")
      return
    }
    guard problems.expect(written != nil, "COLO: dom0 wrote nothing into frame \(frame ?? "none")") else { return }
    problems.expect(
      readBefore != nil && readBefore == guestValue,
      "COLO: frame \(frame ?? "none") held \(readBefore ?? "nothing") while the guest printed \(guestValue ?? "nothing")"
    )
    problems.expect(
      readBack == written,
      "COLO: dom0 wrote \(written ?? "") into frame \(frame ?? "none") and read back \(readBack ?? "nothing")")
    problems.expect(
      written != guestValue, "COLO: dom0 wrote the value the guest already had (\(written ?? ""))")
    problems.expect(
      valuesAfter.last == written,
      valuesAfter.isEmpty
        ? "COLO: the guest printed no value after the resume; dom0 wrote \(written ?? "") while it was suspended"
        : "COLO: the guest printed \(valuesAfter.joined(separator: ", ")) after the resume; dom0 wrote \(written ?? "")"
    )
  }

  /// Whether the guest ran on from the memory dom0 changed.
  var held: Bool {
    var problems = Problems()
    self.problems(&problems)
    return problems.list.isEmpty
  }
}

/// slow-soft-reset: the slow resume of a PVH or PVHVM guest through Xen's soft reset (`xen-resume resume --slow`,
/// no confirmation needed), the guest's memory changed by dom0 while it was suspended (the COLO case), then a second
/// cooperative suspend and fast resume proving its xenstore works from inside, and its console counter moving on after
/// both resumes. The guest is left running for `slow-outcome` when it survived.
public struct SlowSoftResetFacts: ScenarioFacts {
  /// The stages a soft-reset resume passes that no other resume does, in this order.
  public static let softResetStages = ["softReset", "channelsRebuilt"]

  /// `xen-resume suspend DOMAIN --json`.
  public var suspend: CommandRecord
  /// `xen-resume resume DOMAIN --slow --json`; `nil` when the suspend failed.
  public var resume: CommandRecord?
  /// The resume's stages, as its JSON document reported them (a copy for the reader: the judge reads `resume`).
  public var stages: [StageEntry]?
  /// The guest's type (the matrix's row).
  public var type: GuestKind
  /// The guest's kernel (the matrix's row).
  public var kernel: String
  /// What the guest did within dom0's watch after the soft-reset resume.
  public var outcome: SlowOutcome
  /// The panic's message, when there was one.
  public var panic: String?
  /// A `register_vcpu_info failed` line the kernel printed after the resume (the soft reset exists to prevent it).
  public var warning: String?
  /// The first sign of trouble after the resume (a WARNING, BUG, oops, invalid opcode or general protection line).
  public var trouble: String?
  /// Up to 12 lines of note after the resume (trouble, and the kernel's lines about Xen, xenbus, event channels and
  /// the hvc console), newline-separated.
  public var notable: String?
  /// The console counter when the guest was suspended.
  public var counterBefore: Int
  /// The console counter at the end of the watch.
  public var counterAfter: Int
  /// Xen's view at the end of the watch.
  public var watchState: DomainView?
  /// `xen-resume suspend DOMAIN --json` once the guest survived: it must go through the guest's xenstore. Also asked
  /// (with `--timeout 10s`) of a guest whose console went silent while Xen said running, to tell a dead console from
  /// a dead guest.
  public var secondSuspend: CommandRecord?
  /// `xen-resume resume DOMAIN --fast --json` after the second suspend.
  public var secondResume: CommandRecord?
  /// The guest's console counter after the second resume.
  public var aliveAfterSecond: Liveness?
  /// What dom0 did about a suspension left behind (the C client's fast resume), if anything.
  public var recovered: String?
  /// Xen's view at the end.
  public var finalState: DomainView?
  /// Whether the guest was running with its counter moving at the end, the condition for `slow-outcome` to run on it
  /// (`nil`: not checked, as Xen did not report it running or it did not survive).
  public var aliveAtEnd: Liveness?
  /// Which console the counter lines came through (`consoleEvidence(for:)`).
  public var consoleEvidence: String
  /// The COLO check; `nil` when it was not run (the suspend failed).
  public var colo: ColoFacts?
  /// The console's last 700 bytes at the end.
  public var console: String

  /// Facts of one soft-reset resume.
  public init(
    suspend: CommandRecord, resume: CommandRecord?, type: GuestKind, kernel: String, outcome: SlowOutcome,
    panic: String?, warning: String?, trouble: String?, notable: String?, counterBefore: Int, counterAfter: Int,
    watchState: DomainView?, secondSuspend: CommandRecord?, secondResume: CommandRecord?, aliveAfterSecond: Liveness?,
    recovered: String?, finalState: DomainView?, aliveAtEnd: Liveness?, colo: ColoFacts?, console: String
  ) {
    self.suspend = suspend
    self.resume = resume
    self.stages = resume?.decode(XenResumeStepDocument.self)?.stages
    self.type = type
    self.kernel = kernel
    self.outcome = outcome
    self.panic = panic
    self.warning = warning
    self.trouble = trouble
    self.notable = notable
    self.counterBefore = counterBefore
    self.counterAfter = counterAfter
    self.watchState = watchState
    self.secondSuspend = secondSuspend
    self.secondResume = secondResume
    self.aliveAfterSecond = aliveAfterSecond
    self.recovered = recovered
    self.finalState = finalState
    self.aliveAtEnd = aliveAtEnd
    self.consoleEvidence = Self.consoleEvidence(for: type)
    self.colo = colo
    self.console = console
  }

  /// Which console carries a guest's counter lines, and so what its moving on proves: a PVH guest's is its PV console
  /// (hvc0, logged by xenconsoled), whose channel the resume rebuilt; a PVHVM guest's is the emulated serial port
  /// (ttyS0, written by QEMU to a file), which needs no channel, so its PV console is not shown to work.
  public static func consoleEvidence(for type: GuestKind) -> String {
    switch type {
    case .pvh, .pv: "the PV console (hvc0, through xenconsoled's log): its event channel was rebuilt by the resume"
    case .pvhvm, .hvm:
      "the emulated serial port (ttyS0, through QEMU's file): not the PV console, which this scenario does not check"
    }
  }

  /// The soft-reset resume's JSON document, when the command succeeded and printed one.
  var resumeDocument: XenResumeStepDocument? {
    resume?.succeeded == true ? resume?.decode(XenResumeStepDocument.self) : nil
  }

  /// Whether the resume's document shows a soft reset: `softReset` then `channelsRebuilt` among its stages.
  var resumedBySoftReset: Bool {
    let names = resumeDocument?.stages?.map(\.stage) ?? []
    guard let reset = names.firstIndex(of: "softReset"), let rebuilt = names.firstIndex(of: "channelsRebuilt") else {
      return false
    }
    return reset < rebuilt
  }

  /// Passes only on real evidence: every command worked, the resume went through a soft reset, the guest survived it
  /// (its counter moved on, Xen reports it running, no refused vcpu_info registration), a second suspend went through
  /// its xenstore (the guest acknowledged `control/shutdown`) and a fast resume, after which its counter moved on
  /// again, and it printed the value dom0 wrote into its memory while it was suspended.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.cliContract([suspend, resume, secondSuspend, secondResume])
    problems.exit(suspend, is: 0, "suspend")
    guard problems.exit(resume, is: 0, "soft-reset resume") else { return problems.list }
    let document = resumeDocument
    problems.expect(document?.mode == "slow", "soft-reset resume: mode \(document?.mode ?? "none"), expected slow")
    problems.expect(
      resumedBySoftReset,
      "soft-reset resume: stages \(document?.stages?.map(\.stage) ?? []) lack \(Self.softResetStages) in that order "
        + "(a slow resume without a soft reset?)")
    outcome.disagreements(
      panic: panic, warning: warning, state: watchState, counter: "\(counterBefore)->\(counterAfter)", &problems)
    switch outcome {
    case .alive: break
    case .warned:
      problems.add("after the soft-reset resume the guest's vcpu_info registration was refused: \(warning ?? "")")
    case .panic, .shutdown, .hung:
      problems.add("the guest did not survive the soft-reset resume: \(outcomeCell)\(silentConsoleNote)")
      return problems.list
    }
    problems.expect(
      counterAfter > counterBefore,
      "the console counter did not move after the soft-reset resume (\(counterBefore)->\(counterAfter))")
    if problems.exit(secondSuspend, is: 0, "second suspend") {
      let second = secondSuspend?.decode(XenResumeStepDocument.self)
      let acknowledged = second?.stages?.contains { $0.stage == "acknowledged" } == true
      problems.expect(
        second?.path == "xenstoreControl" && acknowledged,
        "second suspend: path \(second?.path ?? "none"), stages \(second?.stages?.map(\.stage) ?? []): expected "
          + "xenstoreControl, acknowledged by the guest through xenstore")
      if problems.exit(secondResume, is: 0, "second (fast) resume") {
        let mode = secondResume?.decode(XenResumeStepDocument.self)?.mode
        problems.expect(mode == "fast", "second (fast) resume: mode \(mode ?? "none"), expected fast")
        problems.alive(aliveAfterSecond, "guest after the second resume")
      }
    }
    problems.xen(finalState, is: "running", "at the end")
    if let colo {
      colo.problems(&problems)
    } else {
      problems.add("COLO: not run")
    }
    return problems.list
  }

  /// The outcome of the watch in the survival matrix's words (`SlowOutcome.cell`).
  var outcomeCell: String { outcome.cell(panic: panic, warning: warning, finalState: watchState) }

  /// `; console silent, yet it answered a second suspend` when a hung guest (no console progress, Xen saying running)
  /// was asked for a second suspend and went through it: then its console died, maybe not the guest. Empty otherwise.
  var silentConsoleNote: String {
    outcome == .hung && secondSuspend?.succeeded == true ? "; console silent, yet it answered a second suspend" : ""
  }

  /// The soft-reset cell of the survival matrix: `alive` (survived, answered a second suspend through xenstore and
  /// resumed fast, and printed the memory dom0 wrote); the outcome's words when it did not survive (`hung; console
  /// silent, yet it answered a second suspend` for a silent guest that did); `resume failed: KIND`; or `alive; ` and
  /// what failed after it (`second suspend failed: KIND`, `second suspend through PATH`, `second resume failed:
  /// KIND`, `dead after a second suspend and resume`, `memory written while suspended not seen`). `nil` when the run
  /// says nothing about the soft reset: the suspend before it failed, or the resume succeeded without one.
  public var matrixCell: String? {
    guard suspend.succeeded, let resume else { return nil }
    guard resume.succeeded else { return "resume failed: \(Self.failureKind(resume))" }
    guard resumedBySoftReset else { return nil }
    guard outcome.survived else { return outcomeCell + silentConsoleNote }
    let second = secondSuspend?.decode(XenResumeStepDocument.self)
    let after: String?
    if let secondSuspend, !secondSuspend.succeeded {
      after = "second suspend failed: \(Self.failureKind(secondSuspend))"
    } else if secondSuspend == nil {
      after = "second suspend not run"
    } else if second?.path != "xenstoreControl" {
      after = "second suspend through \(second?.path ?? "no path")"
    } else if let secondResume, !secondResume.succeeded {
      after = "second resume failed: \(Self.failureKind(secondResume))"
    } else if aliveAfterSecond?.alive != true {
      after = "dead after a second suspend and resume"
    } else if colo?.held != true {
      after = "memory written while suspended not seen"
    } else {
      after = nil
    }
    return [outcomeCell, after].compactMap { $0 }.joined(separator: "; ")
  }

  /// The matrix's note under the cell: the warning and the first trouble line, `; `-joined; `nil` when neither.
  public var matrixNote: String? { SlowOutcome.note(warning: warning, trouble: trouble) }

  /// A failed command in a cell: xen-resume's `error.kind`, or how it ended.
  static func failureKind(_ record: CommandRecord) -> String {
    record.document?["error"]?["kind"]?.string ?? record.status
  }
}
