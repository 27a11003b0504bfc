import Foundation
import XCTest

/// The stages `suspend`, `resume` and `checkpoint` report, in JSON and in text. Every run names its backend: the
/// default backend is real Xen.
final class StageReportTests: XCTestCase {
  func testSuspendJSONListsItsStagesInOrderAddingUpToItsDuration() async throws {
    let expected: [(String, [String])] = [
      ("1", ["planned", "requestWritten", "acknowledged", "suspended"]),
      ("4", ["planned", "requestSent", "suspended"]),
      ("5", ["planned", "requestSent", "suspended"]),
    ]
    for (domain, names) in expected {
      let result = await CLIRunner.run(["suspend", domain, "--json", "--backend", "simulator"])
      XCTAssertEqual(result.status, 0, result.stderr)
      let document = try result.jsonObject()
      let stages = try XCTUnwrap(document["stages"] as? [[String: Any]], "domain \(domain)")
      XCTAssertEqual(stages.map { $0["stage"] as? String }, names, "domain \(domain)")
      XCTAssertEqual(Set(stages.flatMap(\.keys)), ["stage", "microseconds"])
      let sum = try stages.map { try XCTUnwrap($0["microseconds"] as? Double) }.reduce(0, +)
      let duration = try XCTUnwrap(document["durationMicroseconds"] as? Double)
      XCTAssertEqual(sum, duration, accuracy: 0.01, "domain \(domain)")
    }
  }

  func testResumeJSONListsItsStages() async throws {
    let fast = await CLIRunner.run(["resume", "1", "--suspend-first", "--json", "--backend", "simulator"])
    XCTAssertEqual(fast.status, 0, fast.stderr)
    let document = try fast.jsonObject()
    let stages = try XCTUnwrap(document["stages"] as? [[String: Any]])
    XCTAssertEqual(
      stages.map { $0["stage"] as? String }, ["stateChecked", "returnRegisterSet", "domainResumed", "xenstoreResumed"])
    let sum = try stages.map { try XCTUnwrap($0["microseconds"] as? Double) }.reduce(0, +)
    XCTAssertEqual(sum, try XCTUnwrap(document["durationMicroseconds"] as? Double), accuracy: 0.01)

    let slow = await CLIRunner.run([
      "resume", "2", "--suspend-first", "--slow", "--confirm-slow", "--json", "--backend", "simulator",
    ])
    XCTAssertEqual(slow.status, 0, slow.stderr)
    let slowStages = try XCTUnwrap(try slow.jsonObject()["stages"] as? [[String: Any]])
    XCTAssertEqual(slowStages.first?["stage"] as? String, "stateChecked")
    XCTAssertTrue(slowStages.contains { $0["stage"] as? String == "startInfoRewritten" }, "\(slowStages)")
  }

  func testSuspendAndResumeTextShowTheStagesOnTheirOwnLine() async throws {
    let suspend = await CLIRunner.run(["suspend", "1", "--backend", "simulator"])
    XCTAssertEqual(suspend.status, 0, suspend.stderr)
    let lines = suspend.stdout.split(separator: "\n")
    XCTAssertEqual(lines.count, 2, suspend.stdout)
    XCTAssertTrue(lines[1].hasPrefix("simulated: stages: planned "), suspend.stdout)
    XCTAssertTrue(lines[1].contains(", request written "), suspend.stdout)
    XCTAssertTrue(lines[1].contains(", acknowledged "), suspend.stdout)
    XCTAssertTrue(lines[1].contains(", suspended "), suspend.stdout)

    let resume = await CLIRunner.run(["resume", "5", "--suspend-first", "--backend", "simulator"])
    XCTAssertEqual(resume.status, 0, resume.stderr)
    XCTAssertTrue(
      resume.stdout.contains("stages: state checked "), "a guest stopped by the hypervisor: \(resume.stdout)")
    XCTAssertFalse(resume.stdout.contains("return register"), "no register written: \(resume.stdout)")
  }

  func testCheckpointJSONSummarisesEachStage() async throws {
    let result = await CLIRunner.run(["checkpoint", "1", "--count", "20", "--json", "--backend", "simulator"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let document = try result.jsonObject()
    let stages = try XCTUnwrap(document["stageMicroseconds"] as? [String: [String: Any]])
    XCTAssertEqual(
      Set(stages.keys),
      [
        "planned", "requestWritten", "acknowledged", "suspended", "stateChecked", "returnRegisterSet",
        "domainResumed", "xenstoreResumed",
      ])
    for (stage, summary) in stages {
      XCTAssertEqual(Set(summary.keys), ["min", "p50", "p90", "p99", "max", "mean"], stage)
    }
    XCTAssertNil(document["cycles"], "per-cycle figures only on request")
  }

  func testCheckpointCycleDetailsLetAReaderCheckTheStagesAgainstThePause() async throws {
    let result = await CLIRunner.run([
      "checkpoint", "4", "--count", "10", "--json", "--cycle-details", "--backend", "simulator",
    ])
    XCTAssertEqual(result.status, 0, result.stderr)
    let cycles = try XCTUnwrap(try result.jsonObject()["cycles"] as? [[String: Double]])
    XCTAssertEqual(cycles.count, 10)
    for cycle in cycles {
      XCTAssertEqual(Set(cycle.keys), ["pauseMicroseconds", "suspendMicroseconds", "resumeMicroseconds"])
      let pause = try XCTUnwrap(cycle["pauseMicroseconds"])
      let stages = try XCTUnwrap(cycle["suspendMicroseconds"]) + XCTUnwrap(cycle["resumeMicroseconds"])
      // Only the bound is checked here: how much of the pause the stages cover depends on the machine.
      XCTAssertLessThanOrEqual(stages, pause, "\(cycle)")
      XCTAssertGreaterThan(stages, 0, "\(cycle)")
    }
  }

  func testCheckpointTextHasOneLinePerStage() async throws {
    let result = await CLIRunner.run(["checkpoint", "5", "--count", "5", "--backend", "simulator"])
    XCTAssertEqual(result.status, 0, result.stderr)
    for stage in ["request sent", "suspended", "state checked", "domain resumed", "xenstore resumed"] {
      let lines = result.stdout.split(separator: "\n").filter { $0.hasPrefix("simulated:   \(stage): min ") }
      XCTAssertEqual(lines.count, 1, "\(stage) in: \(result.stdout)")
    }
  }
}
