import SeededRandom
import SystemPackage
import XenResumeCore
import XenSimulator

/// Makes random soak sequences: a few guests of every type, kernel and behaviour, then operations of two
/// controllers mixed with faults, other actors, cancellation and pairs of operations at once.
public struct SoakGenerator: Sendable {
  /// The controllers every sequence has.
  public static let controllers = 2

  /// The errnos injected faults carry: what Xen, xenstored and the kernel drivers really answer.
  static let faultErrnos: [Errno] = [
    .ioError, .resourceTemporarilyUnavailable, .noSuchProcess, .invalidArgument, .permissionDenied,
    .noSuchFileOrDirectory, .connectionReset, .resourceBusy, .notPermitted, .noMemory, .badFileDescriptor,
  ]

  private var random: SplitMix64

  /// A generator whose sequences are fixed by `seed`.
  public init(seed: UInt64) {
    random = SplitMix64(seed: seed)
  }

  /// The next sequence: two to four guests, then `steps` steps (at least one).
  public mutating func sequence(steps: Int) -> [SoakStep] {
    var sequence: [SoakStep] = []
    var slots = 0
    for _ in 0..<Int.random(in: 2...4, using: &random) {
      sequence.append(create())
      slots += 1
    }
    while sequence.count < steps + slots {
      let step = nextStep(slots: slots)
      if case .create = step { slots += 1 }
      sequence.append(step)
    }
    return sequence
  }

  private mutating func nextStep(slots: Int) -> SoakStep {
    switch Int.random(in: 0..<100, using: &random) {
    case 0..<20: return operation(slots: slots, allowing: .suspend)
    case 20..<37: return operation(slots: slots, allowing: .resume)
    case 37..<50: return operation(slots: slots, allowing: .checkpoint)
    case 50..<54: return operation(slots: slots, allowing: .prepare)
    case 54..<59: return .forget(target(slots: slots))
    case 59..<70: return fault()
    case 70..<84: return .actor(actor(slots: slots))
    case 84..<92:
      return .together(operation(slots: slots, allowing: nil), operation(slots: slots, allowing: nil))
    case 92..<97: return create()
    default: return .replaceController(Int.random(in: 0..<Self.controllers, using: &random))
    }
  }

  private enum OperationKind: CaseIterable {
    case suspend, resume, checkpoint, prepare
  }

  private mutating func operation(slots: Int, allowing kind: OperationKind?) -> SoakStep {
    let target = target(slots: slots)
    switch kind ?? random.pick(OperationKind.allCases) {
    case .suspend:
      return .suspend(target, path: path(), timeout: timeout(), cancelAtCall: cancelAtCall())
    case .resume:
      let mode = random.pick([ResumeMode.fast, .fast, .fast, .slow, .uncooperative])
      return .resume(target, mode: mode, confirmed: random.chance(0.5), cancelAtCall: cancelAtCall())
    case .checkpoint:
      return .checkpoint(target, path: path(), timeout: timeout(), body: random.pick(SoakBody.allCases))
    case .prepare:
      return .prepare(target, path: path())
    }
  }

  private mutating func target(slots: Int) -> SoakTarget {
    SoakTarget(
      controller: random.chance(0.75) ? 0 : Int.random(in: 0..<Self.controllers, using: &random),
      slot: Int.random(in: 0..<max(slots, 1), using: &random))
  }

  private mutating func path() -> SuspendPath? {
    random.chance(0.7) ? nil : random.pick(SuspendPath.allCases)
  }

  private mutating func timeout() -> SoakTimeout {
    random.pick([.zero, .short, .short, .long, .long, .long])
  }

  private mutating func cancelAtCall() -> Int? {
    random.chance(0.2) ? Int.random(in: 1...12, using: &random) : nil
  }

  private mutating func fault() -> SoakStep {
    let operation = random.pick(XenHostOperation.allCases)
    var errno = random.pick(Self.faultErrnos)
    // xenstored answers ENOENT to an unwatch only when the watch is not there: injected onto a watch that is, it
    // would be a lie no dom0 tells (the controller rightly takes it for a watch already gone).
    if operation == .unwatch && errno == .noSuchFileOrDirectory { errno = .ioError }
    // Xen answers ESRCH only for a domain that does not exist: injected into a call about one that does, it would
    // be the same kind of lie (the controller rightly takes the domain for gone). Gone domains come from the
    // `destroy` and `recreate` actors instead.
    if errno == .noSuchProcess { errno = .ioError }
    return .fault(operation, onCall: Int.random(in: 1...3, using: &random), errno: errno)
  }

  private mutating func actor(slots: Int) -> SoakActor {
    let slot = Int.random(in: 0..<max(slots, 1), using: &random)
    switch Int.random(in: 0..<100, using: &random) {
    case 0..<18:
      return .shutDown(slot: slot, reason: random.chance(0.7) ? .suspend : random.pick(ShutdownReason.allCases))
    case 18..<32: return .resumeDomain(slot: slot)
    case 32..<44: return .pause(slot: slot)
    case 44..<56: return .unpause(slot: slot)
    case 56..<64: return .destroy(slot: slot)
    case 64..<74: return .recreate(slot: slot, guest())
    case 74..<82: return .restartXenStored
    case 82..<91: return .holdSuspendLock(slot: slot)
    default: return .releaseSuspendLock(slot: slot)
    }
  }

  /// Guests react within four seconds, inside the controller's grace period after a timeout: a guest that suspends
  /// later than that after a timed-out request is one no toolstack can promise to bring back (its notification
  /// cannot be taken back, and nobody waits forever).
  private mutating func create() -> SoakStep {
    let delays: GuestReactionDelays =
      random.chance(0.6)
      ? .immediate
      : GuestReactionDelays(
        acknowledgement: .seconds(random.pick([0, 1, 3])), suspension: .seconds(random.pick([0, 1])))
    return .create(guest(), delays: delays)
  }

  private mutating func guest() -> SimulatedGuest {
    let vcpus = Int.random(in: 1...3, using: &random)
    let channel = random.chance(0.3)
    let behaviour = random.chance(0.55) ? GuestBehaviour.cooperative : random.pick(GuestBehaviour.allCases)
    let kernel = random.pick([GuestKernel.generic, .generic, .linux, .linux, .linuxBefore5_16, .xenLinuxClassic])
    switch Int.random(in: 0..<5, using: &random) {
    case 0:
      return .pv(
        width: .bits32, vcpus: vcpus, suspendEventChannel: channel, behaviour: behaviour, kernel: kernel,
        p2m: random.chance(0.2) ? .linear : .tree)
    case 1:
      return .pv(
        width: .bits64, vcpus: vcpus, suspendEventChannel: channel, behaviour: behaviour, kernel: kernel,
        p2m: random.chance(0.2) ? .linear : .tree)
    case 2: return .pvhvm(vcpus: vcpus, suspendEventChannel: channel, behaviour: behaviour, kernel: kernel)
    case 3: return .pvh(vcpus: vcpus, suspendEventChannel: channel, behaviour: behaviour, kernel: kernel)
    default: return .hvm(vcpus: vcpus, kernel: kernel)
    }
  }
}
