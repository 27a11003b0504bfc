import Foundation
import SwiftXenResume
import Synchronization
import XCTest
import XenSimulator

@testable import XenResumeCLI

/// `xen-resume checkpoint` on simulated guests.
final class CheckpointCommandTests: XCTestCase {
  func testTwoHundredCyclesReportDistributionAndHostCalls() async throws {
    let result = await CLIRunner.simulated(["checkpoint", "1", "--count", "200", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let document = try result.jsonObject()
    XCTAssertEqual(
      Set(document.keys),
      [
        "backend", "domain", "guestType", "path", "count", "succeeded", "pauseMicroseconds", "stageMicroseconds",
        "elapsedMicroseconds", "hostCallsPerCycle", "hostCalls",
      ])
    XCTAssertEqual(document["count"] as? Int, 200)
    XCTAssertEqual(document["succeeded"] as? Int, 200)
    XCTAssertEqual(document["guestType"] as? String, "pv")
    XCTAssertEqual(document["path"] as? String, "xenstoreControl")
    let pause = try XCTUnwrap(document["pauseMicroseconds"] as? [String: Any])
    XCTAssertEqual(Set(pause.keys), ["min", "p50", "p90", "p99", "max", "mean"])
    let values = try ["min", "p50", "p90", "p99", "max"].map { try XCTUnwrap(pause[$0] as? Double) }
    XCTAssertEqual(values, values.sorted(), "percentiles must not decrease: \(pause)")
    let mean = try XCTUnwrap(pause["mean"] as? Double)
    XCTAssertTrue(values[0] <= mean && mean <= values[4] + 1, "\(pause)")
    let calls = try XCTUnwrap(document["hostCalls"] as? [String: Int])
    XCTAssertEqual(calls["xs_write"].map { $0 >= 200 }, true, "one control-node write per cycle: \(calls)")
    let perCycle = try XCTUnwrap(document["hostCallsPerCycle"] as? Double)
    XCTAssertEqual(perCycle, Double(calls.values.reduce(0, +)) / 200, accuracy: 1e-9)
    XCTAssertFalse(result.stderr.contains("cycles"), "no progress line with --json: \(result.stderr)")
  }

  func testTextShowsPercentilesAndProgress() async throws {
    let result = await CLIRunner.simulated([
      "checkpoint", "4", "--count", "20", "--interval", "1ms", "--timeout", "10s",
    ])
    XCTAssertEqual(result.status, 0, result.stderr)
    for word in ["p50", "p90", "p99", "max", "mean", "host calls per cycle", "event-channel"] {
      XCTAssertTrue(result.stdout.contains(word), "\(word) missing from: \(result.stdout)")
    }
    let progress = result.stderr.split(separator: "\n").filter { $0.contains("cycles") }
    XCTAssertGreaterThanOrEqual(progress.count, 1, result.stderr)
    XCTAssertLessThan(progress.count, 20, "progress is rate-limited, not one line per cycle")
  }

  func testEveryGuestTypeCheckpoints() async throws {
    for domain in 1...6 {
      let result = await CLIRunner.simulated(["checkpoint", "\(domain)", "--count", "5", "--timeout", "10s", "--json"])
      XCTAssertEqual(result.status, 0, "domain \(domain): \(result.stderr)")
      XCTAssertEqual(try result.jsonObject()["succeeded"] as? Int, 5, "domain \(domain)")
    }
  }

  func testStuckGuestTimesOutOnTheFirstCycle() async throws {
    let result = await CLIRunner.simulated([
      "checkpoint", "1", "--simulate", "stuck", "--count", "3", "--timeout", "100ms", "--json",
    ])
    XCTAssertEqual(result.status, 75)
    let error = try result.jsonError()
    XCTAssertEqual(error.kind, "timeout")
    XCTAssertTrue(error.message.hasPrefix("cycle 1 of 3 failed"), error.message)
  }

  func testZeroOrNegativeCountIsAUsageError() async throws {
    for count in ["0", "-3", "many"] {
      let result = await CLIRunner.simulated(["checkpoint", "1", "--count", count, "--json"])
      XCTAssertEqual(result.status, 64, "--count \(count)")
      XCTAssertEqual(try result.jsonError().kind, "usage")
    }
  }
}

/// `xen-resume checkpoint --paced`: the protocol a harness uses to interleave tools on one guest.
final class PacedCheckpointTests: XCTestCase {
  private func lines(_ result: CLIResult) throws -> [[String: Any]] {
    try result.stdout.split(separator: "\n").map {
      try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], String($0))
    }
  }

  func testEachInputLineIsOneCycleReportedOnItsOwnLineWithStagesAndCounts() async throws {
    let result = await CLIRunner.simulated(["checkpoint", "1", "--paced", "--json"], input: ["go", "go", "go"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let cycles = try lines(result)
    XCTAssertEqual(cycles.map { $0["cycle"] as? Int }, [1, 2, 3])
    for cycle in cycles {
      XCTAssertEqual(cycle["path"] as? String, "xenstoreControl")
      XCTAssertEqual(cycle["guestType"] as? String, "pv")
      let pause = try XCTUnwrap(cycle["pauseMicroseconds"] as? Double)
      let stages = try XCTUnwrap(cycle["stageMicroseconds"] as? [String: Double])
      XCTAssertEqual(
        Set(stages.keys),
        [
          "planned", "requestWritten", "acknowledged", "suspended", "stateChecked", "returnRegisterSet",
          "domainResumed", "xenstoreResumed",
        ])
      // The stages lie inside the pause, which also holds the calls between them.
      XCTAssertLessThanOrEqual(stages.values.reduce(0, +), pause + 1)
      for window in ["window", "between"] {
        let counts = try XCTUnwrap(cycle[window] as? [String: Double], window)
        XCTAssertEqual(
          Set(counts.keys),
          ["userMicroseconds", "systemMicroseconds", "voluntarySwitches", "involuntarySwitches", "wakeups"])
        XCTAssertTrue(counts.values.allSatisfy { $0 >= 0 }, "\(window): \(counts)")
      }
    }
  }

  func testNoInputNoCycle() async throws {
    let result = await CLIRunner.simulated(["checkpoint", "1", "--paced", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertEqual(result.stdout, "")
  }

  func testAnEventChannelGuestCyclesThroughItsChannel() async throws {
    // Domain 4 of the default simulated guests advertises a suspend event channel.
    let result = await CLIRunner.simulated(["checkpoint", "4", "--paced", "--json"], input: ["1", "2"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let cycles = try lines(result)
    XCTAssertEqual(cycles.map { $0["path"] as? String }, ["eventChannel", "eventChannel"])
    let stages = try XCTUnwrap(cycles[1]["stageMicroseconds"] as? [String: Double])
    XCTAssertNotNil(stages["planned"])
    XCTAssertNotNil(stages["requestSent"])
    XCTAssertNil(stages["acknowledged"])
  }

  func testBetweenEventChannelCyclesTheLockAndChannelAreFreeForAnotherTool() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(suspendEventChannel: true))
    let run = PacedCheckpointRun(
      controller: SuspendController(host: host), domain: domain, timeout: .seconds(5), path: nil)
    let input = Mutex(["1", "2", "3"])
    let holders = Mutex<[SuspendLockHolder?]>([])
    try await run.execute(
      nextLine: { input.withLock { $0.isEmpty ? nil : $0.removeFirst() } },
      report: { _ in
        // Reported once the cycle gave back what it held: another process can take the lock now.
        holders.withLock { $0.append(host.suspendLockHolder(for: domain)) }
        XCTAssertTrue(host.holdSuspendLockInAnotherProcess(for: domain))
        host.releaseSuspendLockOfAnotherProcess(for: domain)
      })
    XCTAssertEqual(holders.withLock { $0 }, [nil, nil, nil])
  }

  func testBetweenXenStoreCyclesTheLockStaysTaken() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let controller = SuspendController(host: host)
    let run = PacedCheckpointRun(controller: controller, domain: domain, timeout: .seconds(5), path: nil)
    let input = Mutex(["1", "2"])
    let holders = Mutex<[SuspendLockHolder?]>([])
    try await run.execute(
      nextLine: { input.withLock { $0.isEmpty ? nil : $0.removeFirst() } },
      report: { _ in holders.withLock { $0.append(host.suspendLockHolder(for: domain)) } })
    XCTAssertEqual(holders.withLock { $0 }, [.toolstack, .toolstack])
    controller.forget(domain)
  }

  func testAFailingCycleEndsTheRunWithItsNumberAndTheErrorDocument() async throws {
    let result = await CLIRunner.simulated(
      ["checkpoint", "1", "--simulate", "stuck", "--paced", "--timeout", "100ms", "--json"], input: ["1", "2"])
    XCTAssertEqual(result.status, 75, result.stderr)
    let error = try result.jsonError()
    XCTAssertEqual(error.kind, "timeout")
    XCTAssertTrue(error.message.hasPrefix("paced cycle 1: "), error.message)
  }
}
