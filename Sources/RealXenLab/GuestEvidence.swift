/// Whether a guest was alive: its console counter (`RX-COUNTER n`, printed once a second by the guest's init) moved.
public struct Liveness: Codable, Sendable, Equatable {
  /// The counter moved within the time allowed.
  public var alive: Bool
  /// `"12->13"`, or `"12->12 (no progress in 15s)"`.
  public var counter: String

  /// A liveness observation.
  public init(alive: Bool, counter: String) {
    self.alive = alive
    self.counter = counter
  }
}

/// Xen's view of a domain, from the C reference client's `info` (independent of xen-resume).
public struct DomainView: Codable, Sendable, Equatable {
  /// Whether Xen knows the domain.
  public var exists: Bool?
  /// `running`, `paused`, `shutdown`, `dying`, … as the C client names them.
  public var state: String?
  /// Xen's shutdown code (2: suspend), when shut down.
  public var shutdownReason: Int?
  /// Whether it is an HVM container.
  public var hvm: Bool?
  /// Whether it is paused.
  public var paused: Bool?

  /// A view.
  public init(exists: Bool? = true, state: String?, shutdownReason: Int? = nil, hvm: Bool? = nil, paused: Bool? = nil) {
    self.exists = exists
    self.state = state
    self.shutdownReason = shutdownReason
    self.hvm = hvm
    self.paused = paused
  }

  /// Shut down with reason suspend: what a suspend leaves.
  public var isSuspended: Bool { state == "shutdown" && shutdownReason == 2 }

  /// Xen's shutdown codes by name (xen/include/public/sched.h).
  public static let reasonNames = [
    0: "poweroff", 1: "reboot", 2: "suspend", 3: "crash", 4: "watchdog", 5: "soft_reset",
  ]
}

/// vcpu0's registers, from the C reference client's `regs` (values as it prints them, e.g. `"0x1"`).
public struct Registers: Codable, Sendable, Equatable {
  /// rax (the hypercall's return value a fast PV resume sets to 1).
  public var rax: String?
  /// rip.
  public var rip: String?
  /// Why they could not be read.
  public var error: String?

  /// Registers.
  public init(rax: String?, rip: String?, error: String? = nil) {
    self.rax = rax
    self.rip = rip
    self.error = error
  }
}
