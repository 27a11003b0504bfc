import Synchronization
import XenResumeCore

extension StepRunner {
  /// `xenstored-lost`: the controller starts a suspend of a paused guest (it can never acknowledge), then the other
  /// toolstack kills xenstored. The suspend must fail promptly, with an error about the lost connection rather than a
  /// timeout. A backend whose xenstore calls block for good on a dead daemon would hang the suspend: the step stops
  /// waiting a little after the suspend's own timeout and reports that instead (the hung call is left behind; this
  /// is the last thing a run does).
  func xenstoredLost() async {
    await step("suspend-while-xenstored-dies") { record in
      // A guest that is not running would fail the suspend at once, before xenstored is touched: nothing measured.
      let before = try other.host.domainInfo(domain)
      record["stateBefore"] = Self.domainFacts(before)
      guard record.expect(DomainState(before) == .running, "the guest is \(DomainState(before)), not running")
      else { return }
      try await other.pause(domain)
      let timeout = settings.xenstoredLostTimeout
      record["timeoutMilliseconds"] = .integer(timeout.components.seconds * 1000)
      let controller = controller
      let domain = domain
      let clock = ContinuousClock()
      let outcome = FirstOutcome<Result<SuspendedDomain, any Error>>()
      Task {
        do {
          outcome.offer(.success(try await controller.suspend(domain, timeout: timeout)))
        } catch {
          outcome.offer(.failure(error))
        }
      }
      // Long enough for the request to be written and the controller to wait on the guest's acknowledgement.
      try await Task.sleep(for: .seconds(2))
      if outcome.hasValue {
        record.problems.append("the suspend ended before xenstored was killed")
      }
      let killedAt = clock.now
      record["killed"] = .string(try await other.killXenStore())
      let giveUp = timeout + .seconds(15)
      Task {
        try? await Task.sleep(for: giveUp)
        outcome.offer(nil)
      }
      let result = await outcome.value
      let afterKill = clock.now - killedAt
      let milliseconds = afterKill.components.seconds * 1000 + afterKill.components.attoseconds / 1_000_000_000_000_000
      record["millisecondsAfterKill"] = .integer(milliseconds)
      switch result {
      case nil:
        record["error"] = .null
        record.problems.append("the suspend neither failed nor returned within \(giveUp) of the kill (hung)")
      case .success(let suspended)?:
        record["error"] = .null
        record.problems.append("a paused guest was reported suspended through \(suspended.path)")
      case .failure(let error)?:
        record["error"] = Self.errorFacts(error)
        let text = Self.describe(error)
        record.expect(Self.kind(of: error) != "timedOut", "timed out instead of noticing the lost xenstored: \(text)")
        record.expect(afterKill < .seconds(10), "failed only \(afterKill) after xenstored died: \(text)")
        record.expect(text.lowercased().contains("xenstore"), "the error does not name xenstore: \(text)")
      }
      if record.problems.isEmpty {
        record.note = "failed \(afterKill) after xenstored died, naming the lost connection"
      }
    }
  }
}

/// The first value offered wins; later offers are ignored. (A hung host call cannot be cancelled, so the step races
/// the suspend against a timer with unstructured tasks and does not wait for the loser.)
final class FirstOutcome<Value: Sendable>: Sendable {
  private struct State {
    var value: Value??
    var waiter: CheckedContinuation<Value?, Never>?
  }

  private let state = Mutex(State())

  /// Offers a value (`nil`: the timer's "nothing came").
  func offer(_ value: Value?) {
    let waiter = state.withLock { state -> CheckedContinuation<Value?, Never>? in
      guard state.value == nil else { return nil }
      state.value = .some(value)
      defer { state.waiter = nil }
      return state.waiter
    }
    waiter?.resume(returning: value)
  }

  /// Whether a value (or the timer's `nil`) was offered.
  var hasValue: Bool { state.withLock { $0.value != nil } }

  /// The first value offered.
  var value: Value? {
    get async {
      await withCheckedContinuation { continuation in
        let ready = state.withLock { state -> Value?? in
          if let value = state.value { return value }
          state.waiter = continuation
          return nil
        }
        if let ready { continuation.resume(returning: ready) }
      }
    }
  }
}
