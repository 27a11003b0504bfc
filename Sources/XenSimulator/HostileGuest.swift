import XenResumeCore

/// A guest that attacks its toolstack with what Xen lets any guest do: write its own xenstore nodes (within
/// xenstored's limits), allocate and close its own event channels, and scribble over its own memory.
///
/// Kept apart from `GuestBehaviour` on purpose: a behaviour is what a guest seen in the field does, which the soak
/// draws from at random and a tool may name; a hostility is an adversary a test sets up deliberately, on one
/// domain, with `SimulatedXenHost.makeHostile(_:_:)`. It overrides the guest's behaviour where both apply.
public enum HostileGuest: Sendable, Hashable {
  /// Answers a suspend request by writing `value` to `control/shutdown` (anything but "suspend" reads as an
  /// acknowledgement), then never suspends.
  case answersControlNode(with: HostileValue)
  /// Never acknowledges: every `period` on the host's clock while `control/shutdown` still says "suspend", it
  /// writes "suspend" there again `writesPerTick` times, so xenstored fires the toolstack's watch again and again.
  /// The storm starts when it first sees a request and ends once the request is withdrawn.
  case watchStorm(writesPerTick: Int, period: Duration)
  /// Never acknowledges: each time domain 0 reads `control/shutdown` while it says "suspend", the guest writes
  /// "suspend" there again at once, so the toolstack's watch always holds another event. Deterministic stand-in for
  /// a guest rewriting the node in a loop faster than any toolstack reads it; no time passes on the host's clock.
  case rewritesControlNodeOnEveryRead
  /// Writes a port it has not allocated for domain 0 to `device/suspend/event-channel`.
  case advertisesPort(HostilePort)
  /// Advertises a real port, but each time it is notified on it, instead of suspending, closes it and advertises a
  /// newly allocated one: a toolstack that follows the node never gets anywhere.
  case readvertisesPortWhenNotified
  /// Suspends properly, and crashes (shutdown reason crash) as soon as it runs again.
  case crashesWhenResumed
  /// Suspends properly, and damages its own memory on the way into its suspend hypercall, so the toolstack finds
  /// it damaged while the guest is suspended.
  case corruptsMemoryWhileSuspended(HostileMemoryCorruption)
}

/// What a hostile guest writes to `control/shutdown` to answer a request.
public enum HostileValue: Sendable, Hashable {
  /// Text no kernel writes: control characters, a replacement character and a terminal escape sequence around the
  /// word "suspend", so that neither a prefix match nor a log line is safe with it.
  case garbage
  /// The largest value xenstored accepts for the node: the whole 4096-byte request payload, less the path and its
  /// terminating NUL (`SimulatedXenStore.payloadLimit`).
  case enormous
}

/// A port a hostile guest advertises for the toolstack to bind.
public enum HostilePort: Sendable, Hashable {
  /// A number beyond any port the guest allocated: Xen refuses to bind it.
  case nonexistent
  /// The number of the suspend port `domain` allocated in its own port table; this guest has no such port bound
  /// for domain 0 in its table, so the number leads nowhere here (and must not lead to the other guest).
  case anotherGuests(DomainID)
  /// A real port, but every read of the node by domain 0 is followed at once by the guest closing that port and
  /// advertising a newly allocated one: the value read is always stale. Deterministic stand-in for a guest that
  /// rewrites the node in a tight loop, which a toolstack can never read in time.
  case changesOnEveryRead
}

/// How a hostile guest damages its own memory before suspending.
public enum HostileMemoryCorruption: Sendable, Hashable, CaseIterable {
  /// Its xenstore ring's p2m entry names a machine frame outside its memory (and outside every domain's).
  case p2mEntryOutsideItsMemory
  /// Its xenstore ring's p2m entry names one of domain 0's machine frames.
  case p2mEntryToDom0Frame
  /// Its p2m frame list's first entry names the frame list itself: a walk comes back where it started.
  case p2mFrameListCycle
  /// start_info's magic is overwritten with garbage.
  case startInfoMagic
  /// start_info's xenstore and console ring fields hold garbage instead of the frames it left there.
  case startInfoRingFrames
}

extension HostileValue {
  /// The text written to `path`.
  func text(for path: String) -> String {
    switch self {
    case .garbage: "\u{1}\u{7F}suspend\u{FFFD}\u{1B}[2J"
    case .enormous:
      String(repeating: "A", count: SimulatedXenStore.payloadLimit - path.utf8.count - 1)
    }
  }
}
