@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

extension SoakWorld {
  /// Runs one step and checks every promise after it; the violations seen (empty when all held). After a `hung`
  /// violation the world cannot go on.
  func run(_ step: SoakStep, index: Int) async -> [SoakViolation] {
    switch step {
    case .create(let guest, let delays):
      create(guest, delays: delays)
    case .fault(let operation, let call, let errno):
      pendingFaults.append((operation, call, errno))
    case .actor(let actor):
      act(actor)
    case .replaceController(let index):
      replaceController(index)
    case .suspend, .resume, .checkpoint, .prepare, .forget:
      let violations = await runOperations([step], index: index)
      if !violations.isEmpty { return violations }
    case .together(let first, let second):
      let violations = await runOperations([first, second], index: index)
      if !violations.isEmpty { return violations }
    }
    return checkBetweenSteps(index: index)
  }

  private func runOperations(_ steps: [SoakStep], index: Int) async -> [SoakViolation] {
    let before = slots
    host.clearTrace()
    log.beginStep()
    let outcomes: [SoakOperationOutcome]
    switch await perform(steps, index: index) {
    case .success(let ended): outcomes = ended
    case .failure(let hang):
      return [SoakViolation(.hung, "the operations did not end, \(hang.description)", step: index)]
    }
    let trace = host.trace
    var violations: [SoakViolation] = []
    // The excuse for a request left out lasts until a controller writes the node again (which may set it again).
    for slot in slots.indices {
      let node = XenStorePath.controlShutdown(of: slots[slot].domain)
      if trace.contains(where: { $0.succeeded && $0.writesOrRemoves(node) }) { slots[slot].requestExcuse = nil }
    }
    for (position, outcome) in outcomes.enumerated() {
      let slot = outcome.target.slot
      let slotBefore = before.indices.contains(slot) ? before[slot] : nil
      // Alone on its domain: then the trace's calls about the domain are its own. (Its stated state is compared
      // only in a step of its own: beside another operation's waits the clock moves under it, and a guest with
      // reaction delays may act between its last read and its end.)
      let alone = outcomes.indices.allSatisfy { $0 == position || outcomes[$0].domain != outcome.domain }
      let allowed = outcomes.map(\.step.allowedTime).max() ?? outcome.step.allowedTime
      violations += check(
        outcome, alone: alone, single: outcomes.count == 1, allowed: allowed, trace: trace, slotBefore: slotBefore,
        index: index)
      if case .forget(let target) = outcome.step, let slotBefore {
        violations += checkForgotten(target, slotBefore: slotBefore, index: index)
      }
      learn(from: outcome, alone: alone, slotBefore: slotBefore)
    }
    return violations
  }

  /// Updates what the soak knows about the slot from how the operation ended.
  private func learn(from outcome: SoakOperationOutcome, alone: Bool, slotBefore: SoakSlot?) {
    let slot = outcome.target.slot
    guard slots.indices.contains(slot), slots[slot].domain == outcome.domain else { return }
    let controller = outcome.target.controller
    slots[slot].failedSuspendLeftRunning = nil
    switch outcome.step {
    case .suspend, .checkpoint:
      let refused = (outcome.error as? SuspendResumeError)?.promisesNothingChanged ?? false
      // Only alone on its domain: beside it, another operation of the step may have suspended the domain itself.
      if alone, outcome.error != nil, !(outcome.error is SoakBodyError), !refused,
        outcome.stateAtEnd != .shutDown(.suspend)
      {
        slots[slot].failedSuspendLeftRunning = outcome.index
      }
    default: break
    }
    if case .hostCall(_, _, let undone?) = outcome.error as? SuspendResumeError, undone.contains("not be withdrawn") {
      slots[slot].requestExcuse = undone
    } else if log.reportedInStep("could not withdraw", about: "\(outcome.domain)") {
      slots[slot].requestExcuse = "the controller logged that it could not withdraw its request"
    }
    switch outcome.step {
    case .resume(_, .slow, true, _) where slots[slot].diesOfSlowResume:
      slots[slot].healthExcuse = slots[slot].healthExcuse ?? "a confirmed slow resume (the survival matrix)"
    case .resume(_, let mode, _, _):
      // Xen's facts cannot tell a guest stopped by another actor's xc_domain_shutdown from one inside its own
      // suspend hypercall: a controller that does not know the domain (never suspended it, or forgot it) resumes
      // it in the mode its caller chose (SuspendController.resume's documented contract), and a mode that does not
      // fit how the guest stopped is the caller's choice.
      if let slotBefore, !slotBefore.knownBy.contains(controller), slotBefore.guest.type.isPVAware,
        slotBefore.suspendedByAnotherActor != (mode == .uncooperative)
      {
        slots[slot].healthExcuse =
          slots[slot].healthExcuse ?? "a controller that did not know it resumed it \(mode), against how it stopped"
      }
    default: break
    }
    let domainWasGone: Bool
    if case .domainNotFound = outcome.error as? SuspendResumeError {
      domainWasGone = true
    } else {
      domainWasGone = false
    }
    switch (outcome.step, outcome.error) {
    case (.suspend, nil), (.checkpoint, nil), (.checkpoint, is SoakBodyError):
      // A session that suspended the domain stays (a resume alone keeps none: it learns for itself, then drops it).
      slots[slot].knownBy.insert(controller)
      slots[slot].suspendedByAnotherActor = false
    case (.resume, nil):
      slots[slot].suspendedByAnotherActor = false
    case (.forget, _):
      slots[slot].knownBy.remove(controller)
    default:
      if domainWasGone { slots[slot].knownBy.remove(controller) }
    }
    if state(of: outcome.domain) != .shutDown(.suspend) { slots[slot].suspendedByAnotherActor = false }
  }
}
