import RealXenLab
import Testing

// The facts as dom0 records them: the C client's `qmp ID query-status` documents (QEMU's reply inside) and
// xenstore's device-model pid.

private let lab = LabJSON.decode(Lab.self, from: #"{"xen":"4.17","suite":"bookworm","kernel":"6.1","guests":[]}"#)!
private let hvm = JudgeContext(lab: lab, guest: LabGuest(name: "hvm", type: .hvm, kernel: "6.1", role: .main))

private func queryStatus(_ status: String) -> String {
  #"{"tool":"xc-suspend-resume","command":"qmp","domain":7,"execute":"query-status","#
    + #""reply":{"return": {"status": "\#(status)", "singlestep": false, "running": \#(status == "running")}}}"#
}

private func qmp(_ stdout: String, rc: Int32 = 0) -> CommandRecord {
  CommandRecord(
    cmd: "/usr/bin/xc-suspend-resume qmp 7 query-status", tool: .cClient, rc: rc, timedOut: false,
    stdout: stdout + "\n", stderr: "", ms: 20)
}

private let socketError =
  #"{"tool":"xc-suspend-resume","command":"qmp","domain":7,"execute":"query-status","error":"Connection refused"}"#

/// Exactly one problem, and it says `fragment`.
private func expectOnly(_ problems: [String], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(
    problems.count == 1 && problems.first?.contains(fragment) == true, "\(problems)", sourceLocation: sourceLocation)
}

@Suite struct DeviceModelJudgeTests {
  static let sample = DeviceModelSample(queryStatus: JSONDocument.parse(queryStatus("running")), pid: "412", cycles: 0)

  static func passing() -> DeviceModelFacts {
    DeviceModelFacts(
      before: sample, qmpAfter: qmp(queryStatus("running")), pidAfter: "412", processAlive: true, cyclesAfter: 27,
      liveness: Liveness(alive: true, counter: "301->302"))
  }

  @Test func aDeviceModelThatRanOnPasses() {
    let facts = Self.passing()
    #expect(facts.problems(in: hvm) == [])
    #expect(facts.cyclesBetween == 27)
    #expect(Self.sample.status == "running" && facts.statusAfter == "running")
  }

  @Test func theSampleReadsBackAsItWasRecorded() {
    let text = LabJSON.text(Self.sample)
    #expect(LabJSON.decode(DeviceModelSample.self, from: text) == Self.sample)
  }

  @Test func noCyclesBetweenTheSamplesIsAProblem() {
    var facts = Self.passing()
    facts.cyclesAfter = 0
    expectOnly(facts.problems(in: hvm), "no suspend/resume cycles between the two samples")
  }

  @Test func aDeviceModelNotRunningAtTheStartIsAProblem() {
    var facts = Self.passing()
    facts.before.queryStatus = JSONDocument.parse(queryStatus("paused"))
    expectOnly(facts.problems(in: hvm), #"qmpBefore: device model status "paused", expected "running""#)
  }

  @Test func aDeviceModelThatDidNotAnswerAtTheStartIsAProblem() {
    var facts = Self.passing()
    facts.before.queryStatus = JSONDocument.parse(socketError)
    expectOnly(
      facts.problems(in: hvm), #"qmpBefore: device model status none, expected "running" (Connection refused)"#)
  }

  @Test func aDeviceModelNotRunningNowIsAProblem() {
    var facts = Self.passing()
    facts.qmpAfter = qmp(queryStatus("suspended"))
    expectOnly(facts.problems(in: hvm), #"qmpAfter: device model status "suspended", expected "running""#)
  }

  @Test func aDeviceModelThatDoesNotAnswerNowIsAProblem() {
    var facts = Self.passing()
    facts.qmpAfter = qmp(socketError, rc: 1)
    expectOnly(facts.problems(in: hvm), "qmpAfter: device model status none, expected \"running\" (`")
    #expect(facts.problems(in: hvm).first?.hasSuffix("exit 1: Connection refused)") == true)
  }

  @Test func anotherDeviceModelProcessIsAProblem() {
    var facts = Self.passing()
    facts.pidAfter = "977"
    expectOnly(facts.problems(in: hvm), "device model pid 412 -> 977 (alive: true)")
  }

  @Test func anUnreadPidIsAProblem() {
    var facts = Self.passing()
    facts.before.pid = nil
    facts.pidAfter = nil
    facts.processAlive = false
    expectOnly(facts.problems(in: hvm), "device model pid none -> none (alive: false)")
  }

  @Test func aDeadDeviceModelProcessIsAProblem() {
    var facts = Self.passing()
    facts.processAlive = false
    expectOnly(facts.problems(in: hvm), "device model pid 412 -> 412 (alive: false)")
  }

  @Test func aGuestThatDiedIsAProblem() {
    var facts = Self.passing()
    facts.liveness = Liveness(alive: false, counter: "301->301 (no progress in 40s)")
    expectOnly(facts.problems(in: hvm), "guest not alive afterwards")
  }
}
