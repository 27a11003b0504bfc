import RealXenLab
import Testing

/// The rewind's judge and its report line, over facts shaped as dom0 records them: xen-resume's `--json` documents,
/// the C client's `info`, the guests' console counters and the watch on the other guest's `control/shutdown`.
@Suite struct RewindJudgeTests {
  // MARK: Facts as dom0 records them

  func lab() throws -> Lab {
    try LabTable.decode(
      #"""
      {"suites": {"bullseye": {"debian": 11}, "trixie": {"debian": 13}},
       "kernels": {"5.10": {"suite": "bullseye"}, "6.12": {"suite": "trixie"}},
       "labs": [{"xen": "4.20", "suite": "trixie", "kernel": "6.12", "lifecycle": false,
                 "guests": [{"name": "pvhvm", "type": "pvhvm", "kernel": "6.12", "role": "main"},
                            {"name": "pvh", "type": "pvh", "kernel": "6.12", "role": "main"},
                            {"name": "pvh510", "type": "pvh", "kernel": "5.10", "role": "kernel"}]}]}
      """#
    ).lab(xen: "4.20")
  }

  func context(_ guest: String = "pvh") throws -> JudgeContext {
    let lab = try lab()
    return JudgeContext(lab: lab, guest: lab.guest(guest))
  }

  func xenResume(_ arguments: String, rc: Int32? = 0, _ stdout: String, stderr: String = "") -> CommandRecord {
    CommandRecord(
      cmd: "/usr/bin/xen-resume \(arguments)", tool: .xenResume, rc: rc, timedOut: false, stdout: stdout,
      stderr: stderr, ms: 9000)
  }

  /// A failure as xen-resume reports it under `--json`.
  func failure(_ arguments: String, rc: Int32 = 1, kind: String, _ message: String) -> CommandRecord {
    xenResume(
      arguments, rc: rc, #"{"error":{"kind":"\#(kind)","message":"\#(message)"}}"#,
      stderr: "xen-resume: error: \(message)\n")
  }

  let file = "/tmp/rewind-7.capture"

  /// The capture of a 128 MiB PVH guest (32760 frames: the special pages left out), resumed fast.
  func capture() -> CommandRecord {
    xenResume(
      "capture 7 \(file) --json",
      #"{"backend":"xen","domain":7,"file":"/tmp/rewind-7.capture","guestType":"pvh","frames":32760,"#
        + #""memoryBytes":134184960,"contextBytes":2168,"leftSuspended":false,"captureMicroseconds":8190000.0,"#
        + #""holeScanMicroseconds":7100000.0,"fileWriteMicroseconds":900000.0,"pauseMicroseconds":9000000.0,"#
        + #""suspend":{"backend":"xen","domain":7,"guestType":"pvh","path":"xenstoreControl","#
        + #""durationMicroseconds":600000.0,"stages":[]},"#
        + #""resume":{"backend":"xen","domain":7,"mode":"fast","durationMicroseconds":900.0,"stages":[]}}"#)
  }

  /// The rewind as the CLI reports it: the captured state written back before the soft reset.
  func rewind(stages: [String] = RewindFacts.rewindStages) -> CommandRecord {
    let entries = stages.map { #"{"stage":"\#($0)","microseconds":1000.0}"# }.joined(separator: ",")
    return xenResume(
      "rewind 7 \(file) --json",
      #"{"backend":"xen","domain":7,"file":"/tmp/rewind-7.capture","frames":32760,"memoryBytes":134184960,"#
        + #""fileReadMicroseconds":2000000.0,"pauseMicroseconds":12500000.0,"#
        + #""suspend":{"backend":"xen","domain":7,"guestType":"pvh","path":"xenstoreControl","#
        + #""durationMicroseconds":600000.0,"stages":[]},"#
        + #""rewind":{"backend":"xen","domain":7,"mode":"slow","#
        + #""durationMicroseconds":\#(Double(stages.count) * 1000),"stages":[\#(entries)]}}"#)
  }

  /// The refusal of the capture by the other PVH guest.
  func refusedOnTheOtherGuest() -> CommandRecord {
    failure(
      "rewind 9 \(file) --json", kind: "refused",
      "refused for domain 9: the capture is of another domain: its handle 5f0c… (captured from domain 7) is not "
        + "this domain's 9a1e…; nothing was changed")
  }

  func checkpoint(succeeded: Int = 3) -> CommandRecord {
    xenResume(
      "checkpoint 7 --count 3 --interval 25ms --json",
      #"{"backend":"xen","guestType":"pvh","path":"xenstoreControl","count":3,"succeeded":\#(succeeded),"#
        + #""pauseMicroseconds":{"min":1,"p50":2,"p90":3,"p99":3,"max":3,"mean":2.0},"hostCallsPerCycle":40.0}"#)
  }

  func running() -> DomainView { DomainView(state: "running", shutdownReason: nil, hvm: true, paused: false) }

  func alive(_ counter: String = "60->61") -> Liveness { Liveness(alive: true, counter: counter) }

  /// The other guest, asked nothing: running before and after, its counter moving, no write to its control/shutdown.
  func untouched() -> WrongDomainRewindFacts {
    var facts = WrongDomainRewindFacts(guest: "pvh510", domain: 9)
    facts.stateBefore = running()
    facts.aliveBefore = alive("300->301")
    facts.watchRegistered = true
    facts.rewind = refusedOnTheOtherGuest()
    facts.stateAfter = running()
    facts.aliveAfter = alive("305->306")
    return facts
  }

  /// A PVH guest rewound from counter 50 back to 41, the point of its capture at 40.
  func rewound() -> RewindFacts {
    var facts = RewindFacts(
      type: .pvh, kernel: "6.12", file: file, tmpFreeBytes: 480 << 20, counterAtCapture: 40, capture: capture(),
      fileBytes: 134_189_312, stateAfterCapture: running())
    facts.counterBeforeRewind = 50
    facts.wrongDomain = untouched()
    facts.rewind = rewind()
    facts.countersSinceRewind = [51, 52, 41, 42, 43, 44]
    facts.checkpoint = checkpoint()
    facts.aliveAtEnd = alive("46->47")
    facts.finalState = running()
    facts.console = "RX-COUNTER 46 up=301.2\nRX-COUNTER 47 up=302.3\n"
    return facts
  }

  // MARK: A pass needs every piece of evidence

  @Test func aGuestRewoundToItsCaptureThatRanOnPasses() throws {
    let facts = rewound()
    #expect(facts.problems(in: try context()) == [])
    #expect(facts.counterAfterRewind == 41)
    #expect(facts.rewindDocument?.rewind?.stages?.map(\.stage) == RewindFacts.rewindStages)
    #expect(facts.captureDocument?.memoryBytes == 134_184_960)
  }

  @Test func theFactsRoundTripThroughJSON() throws {
    let facts = rewound()
    let decoded = try #require(LabJSON.decode(RewindFacts.self, from: LabJSON.text(facts)))
    #expect(decoded.countersSinceRewind == facts.countersSinceRewind)
    #expect(decoded.wrongDomain == facts.wrongDomain)
    #expect(decoded.problems(in: try context()) == [])
  }

  @Test func theRewoundCountersStartAtTheFirstValueNotAboveTheOneBeforeIt() {
    #expect(RewindFacts.rewound([51, 52, 41, 42], before: 50) == [41, 42])
    // Rewound before the guest printed anything more.
    #expect(RewindFacts.rewound([41, 42], before: 50) == [41, 42])
    #expect(RewindFacts.rewound([51, 52, 53], before: 50) == nil)
    #expect(RewindFacts.ranOnAfterGoingBack([51, 41, 42, 43, 44], before: 50))
    #expect(!RewindFacts.ranOnAfterGoingBack([51, 41, 42, 43], before: 50))
    #expect(!RewindFacts.ranOnAfterGoingBack([51, 52, 53, 54], before: 50))
  }

  // MARK: The counter must go back to the captured point and count on

  @Test func aCounterThatDidNotGoBackFails() throws {
    var facts = rewound()
    facts.countersSinceRewind = [51, 52, 53, 54, 55]
    #expect(facts.counterAfterRewind == nil)
    #expect(
      facts.problems(in: try context()) == [
        "the counter did not go back after the rewind: it printed [51, 52, 53, 54, 55] after 50 (captured at 40)"
      ])
  }

  @Test func aCounterThatWentBackElsewhereThanTheCaptureFails() throws {
    var facts = rewound()
    facts.countersSinceRewind = [51, 46, 47, 48, 49]
    #expect(
      facts.problems(in: try context()) == [
        "the counter went back to 46 after the rewind, not to the captured point: 40 at the capture (expected at "
          + "most 42), 50 before the rewind"
      ])
  }

  @Test func aCounterThatStoppedAfterGoingBackFails() throws {
    var facts = rewound()
    facts.countersSinceRewind = [51, 41]
    #expect(
      facts.problems(in: try context()) == [
        "the counter did not count on after going back: [41] (expected 3 ticks past 41)"
      ])
  }

  @Test func aGuestThatDidNotCountOnAfterTheCaptureFails() throws {
    var facts = rewound()
    facts.counterBeforeRewind = 43
    facts.countersSinceRewind = [41, 42, 43, 44]
    #expect(
      facts.problems(in: try context()) == [
        "the counter did not count on after the capture: 40 at the capture, 43 before the rewind (expected at "
          + "least 46)"
      ])
  }

  // MARK: The other guest must refuse the capture untouched

  @Test func aWrongDomainRewindThatWasAcceptedFails() throws {
    var facts = rewound()
    facts.wrongDomain?.rewind = xenResume(
      "rewind 9 \(file) --json",
      #"{"backend":"xen","domain":9,"frames":32760,"memoryBytes":134184960,"rewind":{"mode":"slow"}}"#)
    #expect(
      facts.problems(in: try context()) == [
        "wrong-domain rewind on pvh510: `/usr/bin/xen-resume rewind 9 /tmp/rewind-7.capture --json` exit 0, expected "
          + "exit 1"
      ])
  }

  @Test func aWrongDomainRewindRefusedForAnotherReasonFails() throws {
    var facts = rewound()
    facts.wrongDomain?.rewind = failure(
      "rewind 9 \(file) --json", kind: "refused",
      "refused for domain 9: the capture is of a domain of 32768 pages; this one has 65536; nothing was changed")
    #expect(
      facts.problems(in: try context()) == [
        "wrong-domain rewind on pvh510: refused for another reason than the domain (refused for domain 9: the "
          + "capture is of a domain of 32768 pages; this one has 65536; nothing was changed)"
      ])

    facts.wrongDomain?.rewind = failure(
      "rewind 9 \(file) --json", kind: "captureFile", "/tmp/rewind-7.capture: checksum mismatch")
    #expect(
      facts.problems(in: try context()) == [
        #"wrong-domain rewind on pvh510: error kind "captureFile", expected "refused""#
      ])
  }

  @Test func aWrongDomainRewindThatAskedTheOtherGuestToSuspendFails() throws {
    var facts = rewound()
    // Suspended and resumed within the command: Xen's view afterwards cannot tell, the watch can.
    facts.wrongDomain?.shutdownNodeEvents = ["/local/domain/9/control/shutdown", "/local/domain/9/control/shutdown"]
    #expect(
      facts.problems(in: try context()) == [
        "other guest pvh510: its control/shutdown was written 2 time(s) during the wrong-domain rewind: a suspend was "
          + "asked of it"
      ])

    // Left suspended, and so dead to its console until dom0 resumed it.
    var left = rewound()
    left.wrongDomain?.stateAfter = DomainView(state: "shutdown", shutdownReason: 2, hvm: true, paused: false)
    left.wrongDomain?.shutdownNodeEvents = ["/local/domain/9/control/shutdown"]
    left.wrongDomain?.aliveAfter = Liveness(alive: false, counter: "305->305 (no progress in 15s)")
    left.wrongDomain?.recovered = "fast exit 0"
    #expect(
      left.problems(in: try context()) == [
        "other guest pvh510 after the wrong-domain rewind: Xen reports shutdown (reason 2), expected running",
        "other guest pvh510: its control/shutdown was written 1 time(s) during the wrong-domain rewind: a suspend was "
          + "asked of it",
        "other guest pvh510 not alive after the wrong-domain rewind (console counter 305->305 (no progress in 15s))",
      ])
  }

  @Test func anOtherGuestDeadBeforeTheWrongDomainRewindIsSaidToBe() throws {
    var facts = rewound()
    facts.wrongDomain?.aliveBefore = Liveness(alive: false, counter: "300->300 (no progress in 15s)")
    facts.wrongDomain?.aliveAfter = Liveness(alive: false, counter: "300->300 (no progress in 15s)")
    #expect(
      facts.problems(in: try context()) == [
        "other guest pvh510 not alive after the wrong-domain rewind (console counter 300->300 (no progress in 15s)) "
          + "(nor before it: 300->300 (no progress in 15s))"
      ])
  }

  @Test func aWrongDomainRewindNotTriedOrNotWatchedFails() throws {
    var facts = rewound()
    facts.wrongDomain = WrongDomainRewindFacts(guest: "pvh510", domain: nil, notTried: "rx-pvh510 is not running")
    #expect(facts.problems(in: try context()) == ["wrong-domain rewind: not tried: rx-pvh510 is not running"])
    facts.wrongDomain = nil
    #expect(facts.problems(in: try context()) == ["wrong-domain rewind: not tried"])

    var unwatched = rewound()
    unwatched.wrongDomain?.watchRegistered = false
    #expect(
      unwatched.problems(in: try context()) == [
        "other guest pvh510: dom0's watch on its control/shutdown was not in place, so a suspend could not be seen"
      ])
  }

  // MARK: The capture, the rewind and the checkpoints

  @Test func aFailedCaptureRunsNothingElse() throws {
    var facts = RewindFacts(
      type: .pvh, kernel: "6.12", file: file, tmpFreeBytes: 100 << 20, counterAtCapture: 40,
      capture: failure(
        "capture 7 \(file) --json", kind: "captureFile", "/tmp/rewind-7.capture: No space left on device"),
      fileBytes: nil, stateAfterCapture: running())
    facts.aliveAtEnd = alive()
    facts.finalState = running()
    #expect(
      facts.problems(in: try context()) == [
        "capture: `/usr/bin/xen-resume capture 7 /tmp/rewind-7.capture --json` exit 1, expected exit 0: xen-resume: "
          + "error: /tmp/rewind-7.capture: No space left on device"
      ])
  }

  @Test func aCaptureLeftSuspendedOrCutShortFails() throws {
    var facts = rewound()
    facts.capture = xenResume(
      "capture 7 \(file) --json",
      #"{"backend":"xen","domain":7,"guestType":"pvh","frames":32760,"memoryBytes":134184960,"#
        + #""leftSuspended":true,"captureMicroseconds":8190000.0}"#)
    facts.fileBytes = 4096
    #expect(
      facts.problems(in: try context()) == [
        "capture: the guest was not resumed fast (left suspended: true, resume mode none)",
        "capture: /tmp/rewind-7.capture holds 4096, less than the 134184960 bytes of memory captured",
      ])
  }

  @Test func aFailedRewindFails() throws {
    var facts = rewound()
    facts.rewind = failure(
      "rewind 7 \(file) --json", rc: 76, kind: "rewindIncomplete",
      "domain 7: 1024 of 32760 frames written back, then xc_map_foreign_bulk failed: EFAULT")
    facts.countersSinceRewind = [51, 52]
    facts.checkpoint = nil
    facts.recovered = "left alone: the rewind failed with rewindIncomplete"
    facts.aliveAtEnd = Liveness(alive: false, counter: "52->52 (no progress in 15s)")
    facts.finalState = DomainView(state: "paused", shutdownReason: 2, hvm: true, paused: true)
    #expect(
      facts.problems(in: try context()) == [
        "rewind: `/usr/bin/xen-resume rewind 7 /tmp/rewind-7.capture --json` exit 76, expected exit 0: xen-resume: "
          + "error: domain 7: 1024 of 32760 frames written back, then xc_map_foreign_bulk failed: EFAULT",
        "guest at the end not alive afterwards (console counter 52->52 (no progress in 15s))",
        "at the end: Xen reports paused (reason 2), expected running",
      ])
  }

  @Test func aRewindWithoutItsStateReplacedBeforeTheSoftResetFails() throws {
    var facts = rewound()
    facts.rewind = rewind(stages: ["stateChecked", "softReset", "channelsRebuilt", "domainResumed", "xenstoreResumed"])
    #expect(
      facts.problems(in: try context()) == [
        #"rewind: stages ["stateChecked", "softReset", "channelsRebuilt", "domainResumed", "xenstoreResumed"], "#
          + #"expected ["stateChecked", "stateReplaced", "softReset", "channelsRebuilt", "domainResumed", "#
          + #""xenstoreResumed"]"#
      ])
  }

  @Test func checkpointsThatFailAfterTheRewindFail() throws {
    var facts = rewound()
    facts.checkpoint = checkpoint(succeeded: 2)
    #expect(
      facts.problems(in: try context()) == [
        "checkpoints after the rewind: 2 of 3 through xenstoreControl, expected all through xenstoreControl"
      ])

    facts.checkpoint = failure(
      "checkpoint 7 --count 3 --interval 25ms --json", rc: 75, kind: "timeout", "domain 7 did not suspend within 60 s"
    )
    #expect(
      facts.problems(in: try context()) == [
        "checkpoints after the rewind: `/usr/bin/xen-resume checkpoint 7 --count 3 --interval 25ms --json` exit 75, "
          + "expected exit 0: xen-resume: error: domain 7 did not suspend within 60 s"
      ])
  }

  // MARK: A PVHVM guest's capture is refused

  func refusedCapture() -> RewindFacts {
    var facts = RewindFacts(
      type: .pvhvm, kernel: "6.12", file: "/tmp/rewind-5.capture", tmpFreeBytes: 480 << 20, counterAtCapture: 80,
      capture: failure(
        "capture 5 /tmp/rewind-5.capture --json", kind: "unsupported",
        "domain 5 is a pvhvm guest, which does not support capture (the guest has a device model, QEMU, …)"),
      fileBytes: nil, stateAfterCapture: running())
    facts.aliveAtEnd = alive("81->82")
    facts.finalState = running()
    return facts
  }

  @Test func aPVHVMGuestsCaptureRefusedAsUnsupportedPasses() throws {
    #expect(refusedCapture().problems(in: try context("pvhvm")) == [])
  }

  @Test func aPVHVMCaptureThatWasAcceptedFails() throws {
    var facts = refusedCapture()
    facts.capture = xenResume(
      "capture 5 /tmp/rewind-5.capture --json",
      #"{"backend":"xen","domain":5,"guestType":"pvhvm","frames":32700,"memoryBytes":133939200,"#
        + #""leftSuspended":false,"captureMicroseconds":9000000.0}"#)
    facts.fileBytes = 133_943_552
    #expect(
      facts.problems(in: try context("pvhvm")) == [
        "capture of a pvhvm guest: `/usr/bin/xen-resume capture 5 /tmp/rewind-5.capture --json` exit 0, expected "
          + "exit 1",
        "the refused capture left a file: /tmp/rewind-5.capture (133943552 bytes)",
      ])
  }

  @Test func aPVHVMCaptureRefusedForAnotherReasonOrLeavingTheGuestSuspendedFails() throws {
    var facts = refusedCapture()
    facts.capture = failure(
      "capture 5 /tmp/rewind-5.capture --json", kind: "refused",
      "refused for domain 5: vcpu 0 is not inside its suspend hypercall; nothing was changed")
    facts.stateAfterCapture = DomainView(state: "shutdown", shutdownReason: 2, hvm: true, paused: false)
    #expect(
      facts.problems(in: try context("pvhvm")) == [
        #"capture of a pvhvm guest: error kind "refused", expected "unsupported""#,
        "after the refused capture: Xen reports shutdown (reason 2), expected running",
      ])
  }

  // MARK: The report's line

  @Test func theReportPrintsOneRewindLinePerPVHGuestWhateverItsVerdict() throws {
    let lab = try lab()
    var lines = ["@@MARK dom0 up t=12.3"]
    for key in LabPlan.expected(lab: lab, guests: lab.guests) {
      let result =
        key == ResultKey("rewind", "pvh")
        ? LabJSON.text(ScenarioResult(scenario: "rewind", guest: "pvh", problems: [], facts: rewound()))
        : LabJSON.text(ScenarioResult(scenario: key.scenario, guest: key.guest, problems: [], facts: JSONDocument.null))
      lines.append(SerialLog.marker + result)
    }
    let report = LabReport(lab: lab, guests: lab.guests, log: lines.map { $0 + "\r\n" }.joined())
    let rewinds = report.text.split(separator: "\n").filter { $0.hasPrefix("rewind xen=") }.map(String.init)
    let pvh: String =
      "rewind xen=4.20 guest=pvh kernel=6.12 frames=32760 mib=127.97 capture-ms=8190 capture-ms-per-mib=64.00 "
      + "rewind-ms=6 rewind-ms-per-mib=0.05 capture-hole-scan-ms=7100 capture-pause-ms=9000 pause-ms=12500 "
      + "counter-at-capture=40 counter-before=50 counter-after=41"
    // The 5.10 guest's facts are not a rewind's: every figure is n/a.
    let pvh510: String =
      "rewind xen=4.20 guest=pvh510 kernel=5.10 frames=n/a mib=n/a capture-ms=n/a capture-ms-per-mib=n/a "
      + "rewind-ms=n/a rewind-ms-per-mib=n/a capture-hole-scan-ms=n/a capture-pause-ms=n/a pause-ms=n/a "
      + "counter-at-capture=n/a counter-before=n/a counter-after=n/a"
    #expect(rewinds == [pvh, pvh510])
  }
}
