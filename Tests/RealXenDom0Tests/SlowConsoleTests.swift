import XCTest

@testable import RealXenDom0

/// Reading a guest's console after a slow resume: the lines after the resume, and which of them are of note.
final class SlowConsoleTests: XCTestCase {
  /// A PVHVM guest's serial log around a soft-reset resume (CRLF, kernel timestamps, the guests' own lines).
  let log =
    "RX-COUNTER 41 up=300.01\r\nRX-COUNTER 42 up=301.02\r\n"
    + "[  302.100000] xen:events: Xen HVM callback vector for event delivery is enabled\r\n"
    + "RX-COLO value=0xada7bcb0b3b0cfce\r\n"
    + "[  302.300000] WARNING: CPU: 0 PID: 14 at drivers/xen/xenbus/xenbus_probe.c:776 xenbus_resume_cb\r\n"
    + "RX-COUNTER 43 up=303.05\r\n"
    + "[  303.500000] hvc0: ring not ready\r\n"

  func testTheLinesAfterTheResumeLoseTheirCarriageReturnsAndTimestamps() {
    let after = SlowConsole.linesAfter(2, in: log)
    XCTAssertEqual(after.first, "xen:events: Xen HVM callback vector for event delivery is enabled")
    XCTAssertEqual(after.count, 5)
    XCTAssertEqual(SlowConsole.lineCount(log), 7)
  }

  func testAfterASoftResetTheKernelsXenLinesAreOfNoteAndTheGuestsOwnLinesNever() {
    let seen = SlowConsole.Seen(after: SlowConsole.linesAfter(2, in: log), anyCase: SlowConsole.notableAfterSoftReset)
    XCTAssertEqual(
      seen.notable,
      "xen:events: Xen HVM callback vector for event delivery is enabled\n"
        + "WARNING: CPU: 0 PID: 14 at drivers/xen/xenbus/xenbus_probe.c:776 xenbus_resume_cb\n"
        + "hvc0: ring not ready")
    XCTAssertEqual(seen.trouble, "WARNING: CPU: 0 PID: 14 at drivers/xen/xenbus/xenbus_probe.c:776 xenbus_resume_cb")
    XCTAssertNil(seen.warning)
  }

  func testTheSameDomainResumeKeepsItsOwnNotableLines() {
    let after =
      SlowConsole.linesAfter(2, in: log) + [
        "xen: register_vcpu_info failed: cpu=0 err=-22",
        "Kernel panic - not syncing: register_vcpu_info failed: cpu=0 err=-22",
      ]
    let seen = SlowConsole.Seen(after: after)
    XCTAssertEqual(seen.warning, "xen: register_vcpu_info failed: cpu=0 err=-22")
    XCTAssertEqual(
      seen.notable,
      "WARNING: CPU: 0 PID: 14 at drivers/xen/xenbus/xenbus_probe.c:776 xenbus_resume_cb\n"
        + "xen: register_vcpu_info failed: cpu=0 err=-22\n"
        + "Kernel panic - not syncing: register_vcpu_info failed: cpu=0 err=-22")
    XCTAssertEqual(
      SlowConsole.panicMessage(in: after.joined(separator: "\n")), "register_vcpu_info failed: cpu=0 err=-22")
  }

  func testNoLineOfNoteLeavesTheFactsEmpty() {
    let seen = SlowConsole.Seen(after: ["RX-COUNTER 44 up=304.1"], anyCase: SlowConsole.notableAfterSoftReset)
    XCTAssertEqual(seen, SlowConsole.Seen(after: []))
    XCTAssertNil(seen.notable)
  }
}
