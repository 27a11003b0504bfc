/// Shrinks a failing sequence to one that still breaks the same promise with as few and as simple steps as it can
/// find: chunks of steps removed (halves, quarters, … single steps), then pairs of operations split and guests'
/// delays dropped.
struct SoakShrinker {
  /// How many runs a shrink may take at most (each is a whole sequence on a new host).
  var runLimit = 2_000
  /// Runs a candidate: the first violation it shows (the soak runs the sequence; the shrinker's own tests plant one).
  var run: @Sendable (SoakSequence) async -> SoakViolation? = { await $0.run() }

  func shrink(_ sequence: SoakSequence, violating invariant: SoakInvariant) async -> (SoakSequence, SoakViolation)? {
    guard var found = await failure(of: sequence, invariant) else { return nil }
    var current = sequence
    var runs = 1
    var chunk = max(current.steps.count / 2, 1)
    while chunk >= 1 && runs < runLimit {
      var start = 0
      var removedAny = false
      while start < current.steps.count && runs < runLimit {
        var candidate = current
        candidate.steps.removeSubrange(start..<min(start + chunk, candidate.steps.count))
        runs += 1
        if let violation = await failure(of: candidate, invariant) {
          current = candidate
          found = violation
          removedAny = true
        } else {
          start += chunk
        }
      }
      if !removedAny { chunk /= 2 }
    }
    // Guests nothing needs: removed with every step about them, the later slots renumbered.
    var slot = 0
    var index = 0
    while index < current.steps.count && runs < runLimit {
      guard case .create = current.steps[index] else {
        index += 1
        continue
      }
      var candidate = current
      candidate.steps.remove(at: index)
      candidate.steps = candidate.steps.compactMap { $0.withoutSlot(slot) }
      runs += 1
      if let violation = await failure(of: candidate, invariant) {
        current = candidate
        found = violation
      } else {
        slot += 1
        index += 1
      }
    }
    for index in current.steps.indices where runs < runLimit {
      for simpler in current.steps[index].simplifications {
        var candidate = current
        candidate.steps[index] = simpler
        runs += 1
        if let violation = await failure(of: candidate, invariant) {
          current = candidate
          found = violation
          break
        }
      }
    }
    return (current, found)
  }

  private func failure(of sequence: SoakSequence, _ invariant: SoakInvariant) async -> SoakViolation? {
    guard let violation = await run(sequence), violation.invariant == invariant else { return nil }
    return violation
  }
}

extension SoakStep {
  /// Simpler steps to try in this one's place.
  fileprivate var simplifications: [SoakStep] {
    switch self {
    case .together(let first, let second): [first, second]
    case .create(let guest, let delays) where delays != .immediate: [.create(guest, delays: .immediate)]
    case .suspend(let target, let path, let timeout, _?):
      [.suspend(target, path: path, timeout: timeout, cancelAtCall: nil)]
    case .resume(let target, let mode, let confirmed, _?):
      [.resume(target, mode: mode, confirmed: confirmed, cancelAtCall: nil)]
    default: []
    }
  }
}

extension SoakStep {
  /// The step once slot `removed` is gone: `nil` when it is about that slot, the same step with later slots
  /// renumbered otherwise.
  fileprivate func withoutSlot(_ removed: Int) -> SoakStep? {
    func renumbered(_ slot: Int) -> Int? { slot == removed ? nil : slot > removed ? slot - 1 : slot }
    func retargeted(_ target: SoakTarget) -> SoakTarget? {
      renumbered(target.slot).map { SoakTarget(controller: target.controller, slot: $0) }
    }
    switch self {
    case .create, .fault, .replaceController: return self
    case .suspend(let target, let path, let timeout, let cancelAtCall):
      return retargeted(target).map { .suspend($0, path: path, timeout: timeout, cancelAtCall: cancelAtCall) }
    case .resume(let target, let mode, let confirmed, let cancelAtCall):
      return retargeted(target).map { .resume($0, mode: mode, confirmed: confirmed, cancelAtCall: cancelAtCall) }
    case .checkpoint(let target, let path, let timeout, let body):
      return retargeted(target).map { .checkpoint($0, path: path, timeout: timeout, body: body) }
    case .prepare(let target, let path):
      return retargeted(target).map { .prepare($0, path: path) }
    case .forget(let target):
      return retargeted(target).map { .forget($0) }
    case .together(let first, let second):
      guard let first = first.withoutSlot(removed), let second = second.withoutSlot(removed) else { return nil }
      return .together(first, second)
    case .actor(let actor):
      return actor.withoutSlot(removed, renumbered).map { .actor($0) }
    }
  }
}

extension SoakActor {
  fileprivate func withoutSlot(_ removed: Int, _ renumbered: (Int) -> Int?) -> SoakActor? {
    switch self {
    case .restartXenStored: self
    case .shutDown(let slot, let reason): renumbered(slot).map { .shutDown(slot: $0, reason: reason) }
    case .resumeDomain(let slot): renumbered(slot).map { .resumeDomain(slot: $0) }
    case .pause(let slot): renumbered(slot).map { .pause(slot: $0) }
    case .unpause(let slot): renumbered(slot).map { .unpause(slot: $0) }
    case .destroy(let slot): renumbered(slot).map { .destroy(slot: $0) }
    case .recreate(let slot, let guest): renumbered(slot).map { .recreate(slot: $0, guest) }
    case .holdSuspendLock(let slot): renumbered(slot).map { .holdSuspendLock(slot: $0) }
    case .releaseSuspendLock(let slot): renumbered(slot).map { .releaseSuspendLock(slot: $0) }
    }
  }
}
