import RealXenLab
import Testing

// The facts as dom0 records them: xen-resume's error documents (sorted keys) with their `xen-resume: error:` line on
// stderr, xenstore-read's value with its newline, the C client's `info` document.

private let lab = LabJSON.decode(Lab.self, from: #"{"xen":"4.20","suite":"trixie","kernel":"6.12","guests":[]}"#)!
private let pv = JudgeContext(lab: lab, guest: LabGuest(name: "pv", type: .pv, kernel: "6.12", role: .main))
private let none = JudgeContext(lab: lab, guest: nil)

private func xenResume(_ arguments: String, _ stdout: String, rc: Int32 = 0) -> CommandRecord {
  CommandRecord(
    cmd: "/usr/bin/xen-resume " + arguments, tool: .xenResume, rc: rc, timedOut: false, stdout: stdout + "\n",
    stderr: "", ms: 40)
}

private func xenResumeError(_ arguments: String, rc: Int32, kind: String, message: String) -> CommandRecord {
  let document = JSONDocument.object(["error": .object(["kind": .string(kind), "message": .string(message)])])
  return CommandRecord(
    cmd: "/usr/bin/xen-resume " + arguments, tool: .xenResume, rc: rc, timedOut: false, stdout: document.text + "\n",
    stderr: "xen-resume: error: \(message)\n", ms: 15)
}

private func xenstoreRead(_ path: String, stdout: String, rc: Int32 = 0, stderr: String = "") -> CommandRecord {
  CommandRecord(
    cmd: "xenstore-read " + path, tool: .xenstore, rc: rc, timedOut: false, stdout: stdout, stderr: stderr, ms: 8)
}

/// The C client's `info` document, decoded as dom0's XenView decodes it.
private func info(_ state: String, reason: Int? = nil) -> DomainView? {
  LabJSON.decode(
    DomainView.self,
    from: #"{"tool":"xc-suspend-resume","command":"info","domain":3,"exists":true,"state":"\#(state)","#
      + #""hvm":false,"paused":false,"shutdownReason":\#(reason.map(String.init) ?? "null"),"guestWidth":8}"#)
}

private let alive = Liveness(alive: true, counter: "88->89")
private let dead = Liveness(alive: false, counter: "88->88 (no progress in 15s)")

/// Exactly one problem, and it says `fragment`.
private func expectOnly(_ problems: [String], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(
    problems.count == 1 && problems.first?.contains(fragment) == true, "\(problems)", sourceLocation: sourceLocation)
}

@Suite struct UnknownDomainJudgeTests {
  static func passing() -> GuestlessErrorFacts {
    GuestlessErrorFacts(
      domain: 4242,
      suspend: xenResumeError(
        "suspend 4242 --json", rc: 66, kind: "domainNotFound", message: "domain 4242 does not exist"),
      resume: xenResumeError(
        "resume 4242 --fast --json", rc: 66, kind: "domainNotFound", message: "domain 4242 does not exist"))
  }

  @Test func domainNotFoundForBothPasses() {
    #expect(Self.passing().problems(in: none) == [])
  }

  @Test func anotherExitCodeIsAProblem() {
    var facts = Self.passing()
    facts.resume = xenResumeError(
      "resume 4242 --fast --json", rc: 76, kind: "xenCall", message: "xc_domain_getinfo(4242): Permission denied")
    expectOnly(
      facts.problems(in: none), "resume of domain 4242: `/usr/bin/xen-resume resume 4242 --fast --json` exit 76")
  }

  @Test func anotherKindIsAProblem() {
    var facts = Self.passing()
    facts.suspend = xenResumeError(
      "suspend 4242 --json", rc: 66, kind: "xenCall", message: "domain 4242 does not exist")
    expectOnly(facts.problems(in: none), #"suspend: error kind "xenCall", expected "domainNotFound""#)
  }

  @Test func anErrorWithoutItsDocumentBreaksTheContract() {
    var facts = Self.passing()
    facts.suspend.stdout = ""
    let problems = facts.problems(in: none)
    #expect(problems.count == 2, "\(problems)")
    #expect(problems.first?.contains("stdout is not one JSON document") == true)
    #expect(problems.last == #"suspend: error kind none, expected "domainNotFound""#)
  }
}

@Suite struct DomZeroJudgeTests {
  static let refusal =
    "refused for domain 0: domain 0 is the control domain and cannot be suspended; nothing was changed"

  static func passing() -> GuestlessErrorFacts {
    GuestlessErrorFacts(
      domain: 0,
      suspend: xenResumeError("suspend 0 --json", rc: 1, kind: "refused", message: refusal),
      resume: xenResumeError("resume 0 --fast --json", rc: 1, kind: "refused", message: refusal))
  }

  @Test func refusedForBothPasses() {
    #expect(Self.passing().problems(in: none) == [])
  }

  @Test func aSuccessIsAProblem() {
    var facts = Self.passing()
    facts.suspend = xenResume(
      "suspend 0 --json",
      #"{"backend":"xen","domain":0,"durationMicroseconds":1.0,"guestType":"pv","path":"xenstoreControl"}"#)
    expectOnly(
      facts.problems(in: none), "suspend of dom0: `/usr/bin/xen-resume suspend 0 --json` exit 0, expected exit 1")
  }

  @Test func anotherKindIsAProblem() {
    var facts = Self.passing()
    facts.resume = xenResumeError(
      "resume 0 --fast --json", rc: 1, kind: "notSuspended",
      message: "domain 0 is not suspended (it is running); nothing was changed")
    expectOnly(facts.problems(in: none), #"resume: error kind "notSuspended", expected "refused""#)
  }

  @Test func aCallKilledAtItsLimitIsAProblem() {
    var facts = Self.passing()
    facts.resume = CommandRecord(
      cmd: "/usr/bin/xen-resume resume 0 --fast --json", tool: .xenResume, rc: nil, timedOut: true, stdout: "",
      stderr: "", ms: 120_000)
    expectOnly(
      facts.problems(in: none), "resume of dom0: `/usr/bin/xen-resume resume 0 --fast --json` killed at dom0's")
  }
}

@Suite struct ResumeRunningJudgeTests {
  static func passing() -> ResumeRunningFacts {
    ResumeRunningFacts(
      regsBefore: Registers(rax: "0x0", rip: "0xffffffff81001a6a"),
      resume: xenResumeError(
        "resume 3 --fast --json", rc: 1, kind: "notSuspended",
        message: "domain 3 is not suspended (it is running); nothing was changed"),
      stateAfter: info("running"), liveness: alive)
  }

  @Test func aRefusedResumeOfARunningGuestPasses() {
    #expect(Self.passing().problems(in: pv) == [])
  }

  @Test func aSuccessIsAProblem() {
    var facts = Self.passing()
    facts.resume = xenResume(
      "resume 3 --fast --json", #"{"backend":"xen","domain":3,"durationMicroseconds":812.4,"mode":"fast"}"#)
    expectOnly(facts.problems(in: pv), "resume of a running guest: ")
  }

  @Test func anotherKindIsAProblem() {
    var facts = Self.passing()
    facts.resume = xenResumeError(
      "resume 3 --fast --json", rc: 1, kind: "refused", message: "refused for domain 3: it is being destroyed")
    expectOnly(facts.problems(in: pv), #"resume: error kind "refused", expected "notSuspended""#)
  }

  @Test func aMessageThatDoesNotSaySoIsAProblem() {
    var facts = Self.passing()
    facts.resume = xenResumeError(
      "resume 3 --fast --json", rc: 1, kind: "notSuspended", message: "domain 3 is running; nothing was changed")
    expectOnly(facts.problems(in: pv), #"message "domain 3 is running; nothing was changed" does not say"#)
  }

  @Test func aDomainNotRunningAfterwardsIsAProblem() {
    var facts = Self.passing()
    facts.stateAfter = info("shutdown", reason: 3)
    expectOnly(facts.problems(in: pv), "afterwards: Xen reports shutdown (reason 3), expected running")
  }

  @Test func aGuestThatDiedIsAProblem() {
    var facts = Self.passing()
    facts.liveness = dead
    expectOnly(facts.problems(in: pv), "guest not alive afterwards")
  }
}

@Suite struct SuspendTimeoutJudgeTests {
  static let node = "/local/domain/3/control/shutdown"

  static func passing() -> SuspendTimeoutFacts {
    SuspendTimeoutFacts(
      suspend: xenResumeError(
        "suspend 3 --timeout 1ms --json", rc: 75, kind: "timeout",
        message: "domain 3 did not acknowledge the suspend request within 1 ms; the request was withdrawn and the "
          + "domain is running"),
      controlShutdown: xenstoreRead(node, stdout: "\n"), stateAfter: info("running"), liveness: alive,
      recovered: nil)
  }

  @Test func aTimeoutThatWithdrewItsRequestPasses() {
    #expect(Self.passing().problems(in: pv) == [])
    #expect(Self.passing().controlShutdownValue == "")
  }

  @Test func aSuspendThatDidNotTimeOutIsAProblem() {
    var facts = Self.passing()
    facts.suspend = xenResume(
      "suspend 3 --timeout 1ms --json",
      #"{"backend":"xen","domain":3,"durationMicroseconds":921.0,"guestType":"pv","path":"xenstoreControl"}"#)
    facts.stateAfter = info("shutdown", reason: 2)
    facts.recovered = "fast exit 0"
    let problems = facts.problems(in: pv)
    #expect(problems.count == 2, "\(problems)")
    #expect(problems.first?.contains("exit 0, expected exit 75") == true)
    #expect(problems.last?.hasPrefix("afterwards: Xen reports shutdown (reason 2), expected running") == true)
  }

  @Test func anotherKindIsAProblem() {
    var facts = Self.passing()
    facts.suspend = xenResumeError(
      "suspend 3 --timeout 1ms --json", rc: 75, kind: "xenCall", message: "xs_read: Connection reset by peer")
    expectOnly(facts.problems(in: pv), #"suspend --timeout 1ms: error kind "xenCall", expected "timeout""#)
  }

  @Test func aRequestLeftInPlaceIsAProblem() {
    var facts = Self.passing()
    facts.controlShutdown = xenstoreRead(Self.node, stdout: "suspend\n")
    expectOnly(
      facts.problems(in: pv),
      #"control/shutdown afterwards: "suspend" (read exit 0), expected empty (request withdrawn)"#)
  }

  @Test func anUnreadableNodeIsAProblem() {
    var facts = Self.passing()
    facts.controlShutdown = xenstoreRead(
      Self.node, stdout: "", rc: 1, stderr: "xenstore-read: couldn't read path /local/domain/3/control/shutdown\n")
    expectOnly(facts.problems(in: pv), #"control/shutdown afterwards: "" (read exit 1: xenstore-read: couldn't read"#)
  }

  @Test func aDomainNotRunningAfterwardsIsAProblem() {
    var facts = Self.passing()
    facts.stateAfter = info("shutdown", reason: 2)
    facts.recovered = "fast exit 0"
    expectOnly(facts.problems(in: pv), "afterwards: Xen reports shutdown (reason 2), expected running")
  }

  @Test func aGuestThatDiedIsAProblem() {
    var facts = Self.passing()
    facts.liveness = dead
    expectOnly(facts.problems(in: pv), "guest not alive afterwards")
  }
}
