import Foundation
import XCTest

/// `xen-resume demo`: every path on every guest type, checked against what the simulated guests saw.
final class DemoCommandTests: XCTestCase {
  func testDemoSucceedsAndPrintsATable() async throws {
    let result = await CLIRunner.run(["demo"])
    XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
    for guest in ["pv32", "pv64", "pvhvm", "pvhvm-evtchn", "hvm", "pvh", "stuck"] {
      XCTAssertTrue(result.stdout.contains(guest), "\(guest) missing from: \(result.stdout)")
    }
    XCTAssertTrue(result.stdout.contains("timed out"), result.stdout)
    XCTAssertFalse(result.stdout.contains("WRONG"), result.stdout)
  }

  func testDemoJSONIsOK() async throws {
    let result = await CLIRunner.run(["demo", "--json"])
    XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
    let document = try result.jsonObject()
    XCTAssertEqual(Set(document.keys), ["backend", "rows", "ok"])
    XCTAssertEqual(document["backend"] as? String, "simulator")
    XCTAssertEqual(document["ok"] as? Bool, true)
    let rows = try XCTUnwrap(document["rows"] as? [[String: Any]])
    XCTAssertGreaterThanOrEqual(rows.count, 7 * 3)
    for row in rows {
      XCTAssertEqual(
        Set(row.keys),
        [
          "guest", "domain", "step", "path", "outcome", "expected", "observations", "pauseMicroseconds", "ok",
          "problems",
        ],
        "\(row)")
      XCTAssertEqual(row["ok"] as? Bool, true, "\(row)")
      XCTAssertEqual((row["problems"] as? [String])?.isEmpty, true, "\(row)")
      XCTAssertNotNil(row["observations"] as? [String: Any], "\(row)")
    }
    let stuck = rows.filter { $0["guest"] as? String == "stuck" }
    XCTAssertEqual(stuck.count, 1)
    XCTAssertEqual(stuck.first?["outcome"] as? String, "timed out (acknowledgement), request withdrawn")
  }
}
