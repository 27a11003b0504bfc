import Foundation
import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// Runs every row of the README's "Verified on real Xen" table on the simulator and checks that the simulator
/// column says what the simulator really does, so the table cannot drift from the code.
final class VerifiedOnRealXenTests: XCTestCase {
  private struct Row {
    let id: String
    let real: String
    let simulator: String
  }

  private static func tableRows() throws -> [Row] {
    let readme = URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("README.md")
    let text = try String(contentsOf: readme, encoding: .utf8)
    guard let begin = text.range(of: "<!-- verified-on-real-xen:begin -->"),
      let end = text.range(of: "<!-- verified-on-real-xen:end -->")
    else {
      XCTFail("README.md has no verified-on-real-xen table")
      return []
    }
    return text[begin.upperBound..<end.lowerBound]
      .split(separator: "\n")
      .map {
        $0.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
      }
      .filter { $0.count == 7 && $0[1] != "id" && !$0[1].hasPrefix("---") }
      .map { Row(id: $0[1], real: $0[4], simulator: $0[5]) }
  }

  func testTheSimulatorColumnIsWhatTheSimulatorDoes() async throws {
    let rows = try Self.tableRows()
    XCTAssertGreaterThanOrEqual(rows.count, 18)
    for row in rows {
      let outcome = try await Self.simulatedOutcome(of: row.id)
      XCTAssertEqual(outcome, row.simulator, "row \(row.id)")
    }
  }

  func testTheSimulatorAgreesWithRealXenWhereTheyNameTheSameOutcome() throws {
    // The forced-shutdown fast resume reads "guest BUG" on real Xen and "corrupted" here (the simulator records a
    // broken guest rather than a kernel message); every other row must match word for word.
    for row in try Self.tableRows() where row.id != "pv-forced-fast" {
      XCTAssertEqual(row.real, row.simulator, "row \(row.id)")
    }
  }

  private static func linux(_ kind: String) -> SimulatedGuest {
    switch kind {
    case "pv": .pv(width: .bits64, vcpus: 2, kernel: .linux)
    case "pvh": .pvh(vcpus: 2, kernel: .linux)
    case "pvhvm": .pvhvm(vcpus: 2, kernel: .linux)
    default: .hvm(vcpus: 1, kernel: .linux)
    }
  }

  /// What happened to the guest, in the table's words.
  private static func describe(_ host: SimulatedXenHost, _ domain: DomainID) throws -> String {
    let observed = host.observations(of: domain)
    let info = try host.domainInfo(domain)
    if let failure = observed.failure, failure.contains("register_vcpu_info failed") {
      return "panic: register_vcpu_info failed; shut down (\(info.shutdownReason.map { "\($0)" } ?? "?"))"
    }
    if !observed.isHealthy { return "corrupted" }
    if info.isSuspended { return "suspended" }
    return DomainState(info) == .running ? "alive" : "\(DomainState(info))"
  }

  private static func simulatedOutcome(of id: String) async throws -> String {
    let host = SimulatedXenHost()
    let parts = id.split(separator: "-").map(String.init)
    let kind = parts[0] == "linux" ? "pv" : parts[0]
    let domain = host.createDomain(linux(kind))
    let controller = SuspendController(host: host)
    switch parts[1] {
    case "suspend":
      _ = try await controller.suspend(domain, timeout: .seconds(5))
      return try describe(host, domain)
    case "fast":
      _ = try await controller.suspend(domain, timeout: .seconds(5))
      try await controller.resume(domain, mode: .fast)
      return try describe(host, domain)
    case "slow":
      _ = try await controller.suspend(domain, timeout: .seconds(5))
      try await controller.resume(domain, mode: .slow, options: .confirmSlowResumeOfPVAwareGuest)
      return try describe(host, domain)
    case "callback":
      return String(try host.hvmParameter(.callbackIRQ, of: domain))
    case "ack":
      _ = try await controller.suspend(domain, timeout: .seconds(5))
      return try host.read(XenStorePath.controlShutdown(of: domain)).map { $0.isEmpty ? "empty" : $0 } ?? "deleted"
    case "evtchn":
      return try host.read(XenStorePath.suspendEventChannel(of: domain)).map { $0.isEmpty ? "empty" : $0 } ?? "absent"
    case "forced":
      // What libxenguest would do to a guest someone stopped with xc_domain_shutdown: the library refuses both.
      try host.shutdownDomain(domain, reason: .suspend)
      if parts[2] == "uncooperative" {
        try await controller.resume(domain, mode: .uncooperative)
        return try describe(host, domain)
      }
      if parts[2] == "fast" {
        var context = try host.vcpuContext(of: domain, vcpu: 0, width: .bits64)
        context.returnRegister = 1
        try host.setVCPUContext(context, of: domain, vcpu: 0)
        try host.resumeDomain(domain)
        return try describe(host, domain)
      }
      let startInfo = try host.vcpuContext(of: domain, vcpu: 0, width: .bits64).startInfoFrame
      do {
        _ = try host.readGuestMemory(of: domain, frame: startInfo, offset: 0, count: 8)
        return "mapped"
      } catch let error as XenCallError {
        return error.errno == .notPermitted ? "EPERM" : "\(error.errno)"
      }
    default:
      XCTFail("no simulator scenario for row \(id)")
      return ""
    }
  }
}
