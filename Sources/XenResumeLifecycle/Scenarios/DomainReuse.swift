import Synchronization
import XenResumeCore

extension StepRunner {
  /// `domid-reuse`: the controller checkpoints the guest; the other toolstack replaces it by a new domain under the
  /// same id (`xl save -D` then `xl restore`); the same controller checkpoints it again, and must succeed with the
  /// guest alive. Reports the handle and CPU time before and after (what could tell the new domain from the old),
  /// and whether the controller learned the domain's facts again (the host calls it made for it, by operation).
  func domainReuse() async {
    var before: DomainInfo?
    let first = await step("checkpoint-before") { record in
      before = try other.host.domainInfo(domain)
      try await checkpoint(&record)
    }
    guard first, let before else { return }
    let replaced = await step("replace") { record in
      record["before"] = Self.domainFacts(before)
      let replacement = await other.replace(guest, timeout: settings.replaceTimeout)
      record.facts += replacement.facts
      if let failure = replacement.failure {
        record.problems.append("the other toolstack could not replace the domain: \(failure)")
        return
      }
      let info = try await awaitDomain { DomainState($0) == .running }
      record["after"] = Self.domainFacts(info)
      record["sameHandle"] = .bool(info.handle == before.handle)
      // cpu_time only grows while one domain lives: less of it under the same id means another domain.
      record["cpuTimeRestarted"] = .bool(info.cpuTime < before.cpuTime)
      record.expect(DomainState(info) == .running, "the domain is \(DomainState(info)) after the restore")
      // Either tells a new domain: xl restore keeps the saved UUID as the handle, so on real Xen it is cpu_time.
      record.expect(
        info.handle != before.handle || info.cpuTime < before.cpuTime,
        "same handle and cpu_time did not restart: the domain was not replaced")
      try await expectRunningAndAlive(&record)
      if record.problems.isEmpty {
        record.note =
          "saved, destroyed and restored under domain \(domain); handle \(info.handle == before.handle ? "kept" : "new")"
      }
    }
    guard replaced else { return }
    await step("checkpoint-after") { record in try await checkpoint(&record) }
  }

  /// One checkpoint, recording the controller's host calls for the domain meanwhile; the guest must be alive after.
  private func checkpoint(_ record: inout StepRecord) async throws {
    let recorder = CallRecorder(domain: domain)
    run.controllerHost.callObservers.add(recorder)
    do {
      let suspended = try await controller.checkpoint(domain, timeout: settings.cycleTimeout) { suspended in
        // What a checkpoint body would do first: look at the suspended domain.
        _ = try other.host.domainInfo(suspended.domain)
        return suspended
      }
      record["suspend"] = Self.suspendFacts(suspended)
    } catch {
      record["checkpointError"] = Self.errorFacts(error)
      record.problems.append("checkpoint failed: \(Self.describe(error))")
    }
    run.controllerHost.callObservers.remove(recorder)
    record["hostCalls"] = .object(recorder.counts.map { JSONMember($0.operation.rawValue, .integer($0.count)) })
    // learnFacts is the only place a PV guest's width is asked; an HVM container's type is re-read through
    // HVM_PARAM_CALLBACK_IRQ.
    let learned = recorder.count(of: .guestWidth) + recorder.count(of: .hvmParameter) > 0
    record["learnedFacts"] = .bool(learned)
    try await expectRunningAndAlive(&record)
    if record.problems.isEmpty {
      record.note =
        "checkpointed; guest alive; the controller \(learned ? "learned" : "did not learn") the domain's facts"
    }
  }
}

/// Counts the calls a host makes for one domain, by operation, in the order first seen.
final class CallRecorder: HostCallObserver {
  private let domain: DomainID
  private let calls = Mutex<[(XenHostOperation, Int)]>([])

  init(domain: DomainID) {
    self.domain = domain
  }

  func hostDidCall(_ operation: XenHostOperation, domain: DomainID?, failure: (any Error)?) {
    guard domain == self.domain else { return }
    calls.withLock { calls in
      if let index = calls.firstIndex(where: { $0.0 == operation }) {
        calls[index].1 += 1
      } else {
        calls.append((operation, 1))
      }
    }
  }

  /// Calls so far, by operation, in the order first seen.
  var counts: [(operation: XenHostOperation, count: Int)] {
    calls.withLock { $0.map { (operation: $0.0, count: $0.1) } }
  }

  /// How many calls of `operation` were seen.
  func count(of operation: XenHostOperation) -> Int {
    calls.withLock { $0.first { $0.0 == operation }?.1 ?? 0 }
  }
}
