import RealXenLab
import XCTest

/// The judge's shared checks: each says what it saw when it fails, nothing when it holds.
final class ProblemsTests: XCTestCase {
  private func record(_ stdout: String, rc: Int32? = 0, stderr: String = "", timedOut: Bool = false) -> CommandRecord {
    CommandRecord(
      cmd: "xen-resume suspend 3 --json", tool: .xenResume, rc: rc, timedOut: timedOut, stdout: stdout,
      stderr: stderr, ms: 12)
  }

  func testTheCLIContractHoldsForASuccessOnTheXenBackendAndAnErrorWithKindMessageAndStderrLine() {
    var problems = Problems()
    problems.cliContract([
      record(#"{"backend":"xen","domain":3,"durationMicroseconds":812.5,"guestType":"pv","path":"xenstoreControl"}"#),
      record(
        #"{"error":{"kind":"refused","message":"domain 0 is dom0"}}"#, rc: 1,
        stderr: "xen-resume: error: domain 0 is dom0\n"),
    ])
    XCTAssertEqual(problems.list, [])
  }

  func testTheCLIContractNamesASimulatedBackendAGarbledDocumentAndAnErrorWithoutItsStderrLine() {
    var problems = Problems()
    problems.cliContract([
      record(#"{"backend":"simulator","domain":3}"#),
      record("domain 3 suspended"),
      record(#"{"error":{"kind":"timeout","message":"no answer"}}"#, rc: 75),
      // Killed at dom0's limit: it printed nothing, and that is judged by its exit, not the contract.
      record("", rc: nil, timedOut: true),
    ])
    XCTAssertEqual(problems.list.count, 3, "\(problems.list)")
    XCTAssertTrue(problems.list[0].contains("backend simulator"))
    XCTAssertTrue(problems.list[1].contains("not one JSON document"))
    XCTAssertTrue(problems.list[2].contains("xen-resume: error:"))
  }

  func testExitStatusStateAndRegisterChecksSayWhatTheySaw() {
    var problems = Problems()
    XCTAssertTrue(problems.exit(record("{}", rc: 0), is: 0, "suspend"))
    XCTAssertFalse(problems.exit(record("{}", rc: 1, stderr: "xen-resume: error: boom\n"), is: 0, "resume"))
    XCTAssertFalse(problems.exit(nil, is: 0, "slow"))
    XCTAssertFalse(problems.xen(DomainView(state: "running"), is: "shutdown", reason: 2, "after"))
    XCTAssertTrue(problems.xen(DomainView(state: "shutdown", shutdownReason: 2), is: "shutdown", reason: 2, "after"))
    XCTAssertFalse(problems.unchanged(Registers(rax: "0x0", rip: "0x10"), Registers(rax: "0x1", rip: "0x10"), "held"))
    XCTAssertFalse(problems.unchanged(nil, nil, "unread"))
    XCTAssertFalse(problems.alive(Liveness(alive: false, counter: "4->4 (no progress in 15s)")))
    XCTAssertEqual(problems.list.count, 6)
    XCTAssertTrue(problems.list[0].contains("exit 1, expected exit 0: xen-resume: error: boom"))
    XCTAssertEqual(problems.list[1], "slow: not run")
    XCTAssertTrue(problems.list[2].contains("expected shutdown with reason 2 (suspend)"))
    XCTAssertTrue(problems.list[5].contains("4->4"))
  }
}
