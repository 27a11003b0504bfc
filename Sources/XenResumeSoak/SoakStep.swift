import SystemPackage
import XenResumeCore
import XenSimulator

/// One thing a soak sequence does: an operation of one of its controllers, another actor's action on the host, a
/// fault armed for the next operation, or a new guest.
///
/// Domains are named by slot, the order in which the sequence created them, so that a shrunk sequence still means
/// the same thing; a step whose slot does not exist (or whose domain is gone) still runs, against an id Xen does not
/// know. `description` is the step as Swift source, so a failing sequence prints as a test to paste.
public indirect enum SoakStep: Sendable, Hashable {
  /// Creates a guest in the next slot, with its reaction delays on the soak's clock.
  case create(SimulatedGuest, delays: GuestReactionDelays)
  /// `suspend(_:timeout:path:)`, cancelled when the operation starts its `cancelAtCall`-th host call (`nil`: not).
  case suspend(SoakTarget, path: SuspendPath?, timeout: SoakTimeout, cancelAtCall: Int?)
  /// `resume(_:mode:options:)`, with or without the slow resume's opt-in.
  case resume(SoakTarget, mode: ResumeMode, confirmed: Bool, cancelAtCall: Int?)
  /// `checkpoint(_:timeout:path:_:)` with a body that behaves as `body` says.
  case checkpoint(SoakTarget, path: SuspendPath?, timeout: SoakTimeout, body: SoakBody)
  /// `prepare(_:path:)`.
  case prepare(SoakTarget, path: SuspendPath?)
  /// `forget(_:)`.
  case forget(SoakTarget)
  /// Arms a fault for the next operation step: its `onCall`-th call of `operation` fails with `errno`. Faults not
  /// used by that step are removed after it.
  case fault(XenHostOperation, onCall: Int, errno: Errno)
  /// Something another toolstack, the guest's administrator or Xen does.
  case actor(SoakActor)
  /// Two operation steps at once (on one or two controllers, on one or two domains).
  case together(SoakStep, SoakStep)
  /// Drops a controller (its end must give back everything it held) and puts a new one in its place.
  case replaceController(Int)
}

/// Which controller acts on which slot's domain.
public struct SoakTarget: Sendable, Hashable, CustomStringConvertible {
  /// The controller's index in the soak's list.
  public var controller: Int
  /// The domain's slot.
  public var slot: Int

  /// A target.
  public init(controller: Int, slot: Int) {
    self.controller = controller
    self.slot = slot
  }

  /// As Swift source.
  public var description: String { "SoakTarget(controller: \(controller), slot: \(slot))" }
}

/// A suspend's timeout: none at all, short, or long, against guests whose delays are a few seconds.
public enum SoakTimeout: String, Sendable, Hashable, CaseIterable {
  /// Zero: the deadline has passed before the request goes out.
  case zero
  /// Two seconds: guests with delays miss it.
  case short
  /// Twenty seconds: every guest that answers at all makes it.
  case long

  /// The duration.
  public var duration: Duration {
    switch self {
    case .zero: .zero
    case .short: .seconds(2)
    case .long: .seconds(20)
    }
  }
}

/// What a checkpoint's body does while the domain is suspended.
public enum SoakBody: String, Sendable, Hashable, CaseIterable {
  /// Returns at once.
  case returns
  /// Throws `SoakBodyError`.
  case `throws`
  /// Takes three seconds of the soak's clock.
  case takesLong
  /// Cancels its own task and returns.
  case cancels
}

/// The error a throwing checkpoint body throws.
public struct SoakBodyError: Error, Sendable, Hashable {
  /// The error.
  public init() {}
}

/// What others do on the host: another toolstack, an administrator, Xen itself.
public enum SoakActor: Sendable, Hashable {
  /// `xc_domain_shutdown` with `reason`, as another toolstack (or `xl shutdown`) would.
  case shutDown(slot: Int, reason: ShutdownReason)
  /// `XEN_DOMCTL_resumedomain` alone, as another toolstack resuming "its" suspend would.
  case resumeDomain(slot: Int)
  /// `xl pause`.
  case pause(slot: Int)
  /// `xl unpause`.
  case unpause(slot: Int)
  /// `xl destroy`.
  case destroy(slot: Int)
  /// Destroys the domain and creates a new guest under the same id (a restore with `-D`, the id rover coming round).
  case recreate(slot: Int, SimulatedGuest)
  /// xenstored restarts: every connection and watch is lost.
  case restartXenStored
  /// Another process takes the domain's suspend lock (libxl saving it).
  case holdSuspendLock(slot: Int)
  /// That process lets go.
  case releaseSuspendLock(slot: Int)
}

// MARK: Swift source

extension SoakStep: CustomStringConvertible {
  /// The step as Swift source.
  public var description: String {
    switch self {
    case .create(let guest, let delays):
      return ".create(\(guest.swiftSource), delays: \(delays.swiftSource))"
    case .suspend(let target, let path, let timeout, let cancelAtCall):
      return ".suspend(\(target), path: \(path.swiftSource), timeout: .\(timeout.rawValue), "
        + "cancelAtCall: \(cancelAtCall.map(String.init) ?? "nil"))"
    case .resume(let target, let mode, let confirmed, let cancelAtCall):
      return ".resume(\(target), mode: .\(mode.rawValue), confirmed: \(confirmed), "
        + "cancelAtCall: \(cancelAtCall.map(String.init) ?? "nil"))"
    case .checkpoint(let target, let path, let timeout, let body):
      return ".checkpoint(\(target), path: \(path.swiftSource), timeout: .\(timeout.rawValue), "
        + "body: .\(body == .throws ? "`throws`" : body.rawValue))"
    case .prepare(let target, let path):
      return ".prepare(\(target), path: \(path.swiftSource))"
    case .forget(let target):
      return ".forget(\(target))"
    case .fault(let operation, let call, let errno):
      return ".fault(XenHostOperation(rawValue: \"\(operation.rawValue)\")!, onCall: \(call), "
        + "errno: Errno(rawValue: \(errno.rawValue)))"
    case .actor(let actor):
      return ".actor(\(actor))"
    case .together(let first, let second):
      return ".together(\(first), \(second))"
    case .replaceController(let index):
      return ".replaceController(\(index))"
    }
  }
}

extension SoakActor: CustomStringConvertible {
  /// The action as Swift source.
  public var description: String {
    switch self {
    case .shutDown(let slot, let reason):
      ".shutDown(slot: \(slot), reason: ShutdownReason(rawValue: \(reason.rawValue))!)"
    case .resumeDomain(let slot): ".resumeDomain(slot: \(slot))"
    case .pause(let slot): ".pause(slot: \(slot))"
    case .unpause(let slot): ".unpause(slot: \(slot))"
    case .destroy(let slot): ".destroy(slot: \(slot))"
    case .recreate(let slot, let guest): ".recreate(slot: \(slot), \(guest.swiftSource))"
    case .restartXenStored: ".restartXenStored"
    case .holdSuspendLock(let slot): ".holdSuspendLock(slot: \(slot))"
    case .releaseSuspendLock(let slot): ".releaseSuspendLock(slot: \(slot))"
    }
  }
}

extension Optional where Wrapped == SuspendPath {
  fileprivate var swiftSource: String { map { ".\($0.rawValue)" } ?? "nil" }
}

extension GuestReactionDelays {
  /// The delays as Swift source.
  var swiftSource: String {
    self == .immediate
      ? ".immediate"
      : "GuestReactionDelays(acknowledgement: \(acknowledgement.swiftSource), suspension: \(suspension.swiftSource))"
  }
}

extension Duration {
  /// Whole milliseconds as Swift source (the soak's durations are whole milliseconds).
  fileprivate var swiftSource: String {
    let (seconds, attoseconds) = components
    return ".milliseconds(\(seconds * 1000 + attoseconds / 1_000_000_000_000_000))"
  }
}

extension SimulatedGuest {
  /// The factory call that makes this guest, as Swift source.
  var swiftSource: String {
    let kernel = "GuestKernel(rawValue: \"\(self.kernel.rawValue)\")!"
    switch type {
    case .pv:
      return ".pv(width: .\(width == .bits32 ? "bits32" : "bits64"), vcpus: \(vcpus), "
        + "suspendEventChannel: \(requestsSuspendEventChannel), behaviour: .\(behaviour.rawValue), "
        + "kernel: \(kernel), p2m: .\(p2m == .linear ? "linear" : "tree"))"
    case .pvhvm, .pvh:
      return ".\(type == .pvh ? "pvh" : "pvhvm")(vcpus: \(vcpus), suspendEventChannel: \(requestsSuspendEventChannel), "
        + "behaviour: .\(behaviour.rawValue), kernel: \(kernel))"
    case .hvm:
      return ".hvm(vcpus: \(vcpus), kernel: \(kernel))"
    }
  }
}

extension SoakStep {
  /// What kind of step it is, without its arguments.
  enum Kind: CaseIterable {
    case create, suspend, resume, checkpoint, prepare, forget, fault, actor, together, replaceController
  }

  /// The step's kind.
  var kind: Kind {
    switch self {
    case .create: .create
    case .suspend: .suspend
    case .resume: .resume
    case .checkpoint: .checkpoint
    case .prepare: .prepare
    case .forget: .forget
    case .fault: .fault
    case .actor: .actor
    case .together: .together
    case .replaceController: .replaceController
    }
  }
}
