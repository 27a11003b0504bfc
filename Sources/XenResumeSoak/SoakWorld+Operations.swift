import Synchronization
import XenResumeCore
import XenSimulator

/// How one operation of a step ended.
struct SoakOperationOutcome {
  var step: SoakStep
  /// The index of the step it belongs to.
  var index: Int
  var target: SoakTarget
  var domain: DomainID
  /// `nil` when it returned.
  var error: (any Error)?
  /// Its time on the soak's clock.
  var elapsed: Duration
  /// Whether the step itself cancelled it (at a host call, or from the checkpoint body).
  var cancelledByStep: Bool
  /// What Xen reported about the domain the moment it ended (later steps of the clock may change it: a guest with
  /// reaction delays goes on reacting).
  var stateAtEnd: DomainState
}

/// Operations that did not end within the real-time limit, and what the waits were doing then.
struct SoakHang: Error {
  var description: String
}

/// Where an operation's task leaves its outcome.
private final class OutcomeBox: Sendable {
  let value = Mutex<(error: (any Error)?, elapsed: Duration, state: DomainState)?>(nil)
}

extension SoakWorld {
  /// Runs one operation step, or two at once, under the clock driver; `.failure` with what the waits were doing and
  /// which operations had ended, when they did not end in time (hung).
  func perform(_ steps: [SoakStep], index: Int) async -> Result<[SoakOperationOutcome], SoakHang> {
    for fault in pendingFaults { host.injectFault(fault.operation, onCall: fault.call, errno: fault.errno) }
    pendingFaults = []
    defer { host.removeAllFaults() }
    var started: [(SoakStep, SoakTarget, DomainID, OutcomeBox, FinishedFlag, CancelAtHostCall?, Bool)] = []
    for step in steps {
      guard let (target, body, cancelAtCall, cancelsItself) = operation(step) else { continue }
      let domain = domain(ofSlot: target.slot)
      let id = operationCount
      operationCount += 1
      let observer = cancelAtCall.map { CancelAtHostCall(operation: id, call: $0) }
      if let observer { host.callObservers.add(observer) }
      let box = OutcomeBox()
      let finished = FinishedFlag()
      let clock = clock
      let host = host
      let task = Task {
        let start = clock.now
        let error: (any Error)? = await SoakOperationTag.$current.withValue(id) {
          do {
            try await body(domain)
            return nil
          } catch {
            return error
          }
        }
        let state = host.domainState(of: domain)
        box.value.withLock { $0 = (error, start.duration(to: clock.now), state) }
        finished.set()
      }
      observer?.attach(task)
      started.append((step, target, domain, box, finished, observer, cancelAtCall != nil || cancelsItself))
      if slots.indices.contains(target.slot) { slots[target.slot].touchedBy.insert(target.controller) }
    }
    let driver = driver
    let end = await driver.run(until: started.map(\.4))
    for entry in started { if let observer = entry.5 { host.callObservers.remove(observer) } }
    guard end == .finished else {
      let why =
        end == .busy
        ? "still going after \(driver.limits.busy)" : "their waits unchanged for \(driver.limits.unchanged)"
      let ends = started.map { "\($0.0): \($0.4.isSet ? "ended" : "not ended")" }.joined(separator: ", ")
      return .failure(SoakHang(description: "\(why): \(ends); \(driver.waitsDescription())"))
    }
    return .success(
      started.map { step, target, domain, box, _, _, cancelled in
        let (error, elapsed, state) = box.value.withLock { $0 } ?? (nil, .zero, .gone)
        return SoakOperationOutcome(
          step: step, index: index, target: target, domain: domain, error: error, elapsed: elapsed,
          cancelledByStep: cancelled,
          stateAtEnd: state)
      })
  }

  /// The controller call a step makes, with where it cancels; `nil` for a step that is not an operation.
  private func operation(
    _ step: SoakStep
  ) -> (SoakTarget, @Sendable (DomainID) async throws -> Void, Int?, Bool)? {
    let controllers = controllers
    let clock = clock
    let sleepers = bodySleepers
    switch step {
    case .suspend(let target, let path, let timeout, let cancelAtCall):
      guard let controller = controllers.at(target.controller) else { return nil }
      return (
        target, { _ = try await controller.suspend($0, timeout: timeout.duration, path: path) }, cancelAtCall, false
      )
    case .resume(let target, let mode, let confirmed, let cancelAtCall):
      guard let controller = controllers.at(target.controller) else { return nil }
      let options: ResumeOptions = confirmed ? .confirmSlowResumeOfPVAwareGuest : []
      return (target, { _ = try await controller.resume($0, mode: mode, options: options) }, cancelAtCall, false)
    case .checkpoint(let target, let path, let timeout, let body):
      guard let controller = controllers.at(target.controller) else { return nil }
      return (
        target,
        { domain in
          try await controller.checkpoint(domain, timeout: timeout.duration, path: path) { _ in
            switch body {
            case .returns: break
            case .throws: throw SoakBodyError()
            case .takesLong: try await sleepers.sleep(for: .seconds(3), on: clock)
            case .cancels: withUnsafeCurrentTask { $0?.cancel() }
            }
          }
        }, nil, body == .cancels
      )
    case .prepare(let target, let path):
      guard let controller = controllers.at(target.controller) else { return nil }
      return (target, { _ = try await controller.prepare($0, path: path) }, nil, false)
    case .forget(let target):
      guard let controller = controllers.at(target.controller) else { return nil }
      return (target, { controller.forget($0) }, nil, false)
    case .create, .fault, .actor, .together, .replaceController:
      return nil
    }
  }
}

extension Array {
  fileprivate func at(_ index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
