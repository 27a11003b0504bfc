import Clocks
import Logging
import SystemPackage
import XenResumeCore
import XenSimulator

/// One soak sequence's machine: a simulated host on a test clock, the controllers, the slots' domains, and what
/// the soak knows beyond Xen's facts. Runs steps one at a time and checks the library's promises after each.
final class SoakWorld {
  let clock = TestClock<Duration>()
  let host: SimulatedXenHost
  private(set) var controllers: [SuspendController]
  /// The controllers `replaceController` dropped: they give back what they held when they end, which the release
  /// check waits for.
  private(set) var replacedControllers: [WeakController] = []
  var slots: [SoakSlot] = []
  let bodySleepers = BodySleepers()
  /// Faults `.fault` steps asked for, injected when the next operation step starts (so that the soak's own checks
  /// never meet them) and removed when it ends.
  var pendingFaults: [(operation: XenHostOperation, call: Int, errno: Errno)] = []
  /// Operations started, for the task-local tags.
  var operationCount = 0

  /// The controllers' warnings and errors during the current step.
  let log = SoakLog()

  init() {
    host = SimulatedXenHost(clock: clock)
    controllers = []
    controllers = (0..<SoakGenerator.controllers).map { _ in makeController() }
  }

  func makeController() -> SuspendController {
    SuspendController(host: host, clock: clock, logger: log.logger)
  }

  func replaceController(_ index: Int) {
    guard controllers.indices.contains(index) else { return }
    replacedControllers.append(WeakController(controllers[index]))
    controllers[index] = makeController()
    for slot in slots.indices {
      slots[slot].knownBy.remove(index)
      slots[slot].touchedBy.remove(index)
    }
  }

  /// Drops every controller: what they held must come back.
  func releaseControllers() {
    controllers = []
  }

  var driver: SoakClockDriver {
    SoakClockDriver(clock: clock, host: host, controllers: controllers, bodySleepers: bodySleepers)
  }

  /// The slot's domain id, or an id no domain ever had when the slot does not exist.
  func domain(ofSlot slot: Int) -> DomainID {
    slots.indices.contains(slot) ? slots[slot].domain : DomainID(rawValue: 30_000)
  }

  /// What Xen reports about a domain now, read without a host call (so no armed fault or trace sees the soak look).
  func state(of domain: DomainID) -> DomainState {
    host.domainState(of: domain)
  }
}
