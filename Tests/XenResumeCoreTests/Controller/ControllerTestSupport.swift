import Clocks
import Synchronization
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// A guest shape for the matrix tests: how to create it and what Xen and the controller should make of it.
struct GuestCase: CustomStringConvertible, Sendable {
  let name: String
  let guest: SimulatedGuest
  let expectedType: GuestType
  let expectedPath: SuspendPath

  var description: String { name }

  static let all: [GuestCase] = [
    GuestCase(name: "PV 32 xenstore", guest: .pv(width: .bits32), expectedType: .pv, expectedPath: .xenstoreControl),
    GuestCase(
      name: "PV 32 event channel", guest: .pv(width: .bits32, suspendEventChannel: true), expectedType: .pv,
      expectedPath: .eventChannel),
    GuestCase(
      name: "PV 64 xenstore", guest: .pv(width: .bits64, vcpus: 2), expectedType: .pv, expectedPath: .xenstoreControl),
    GuestCase(
      name: "PV 64 event channel", guest: .pv(width: .bits64, vcpus: 3, suspendEventChannel: true), expectedType: .pv,
      expectedPath: .eventChannel),
    GuestCase(name: "PVHVM xenstore", guest: .pvhvm(vcpus: 2), expectedType: .pvhvm, expectedPath: .xenstoreControl),
    GuestCase(
      name: "PVHVM event channel", guest: .pvhvm(vcpus: 2, suspendEventChannel: true), expectedType: .pvhvm,
      expectedPath: .eventChannel),
    GuestCase(name: "HVM", guest: .hvm(vcpus: 2), expectedType: .hvm, expectedPath: .hypervisorShutdown),
    GuestCase(name: "PVH xenstore", guest: .pvh(vcpus: 2), expectedType: .pvh, expectedPath: .xenstoreControl),
    GuestCase(
      name: "PVH event channel", guest: .pvh(suspendEventChannel: true), expectedType: .pvh,
      expectedPath: .eventChannel),
  ]
}

/// Runs `operation` while advancing a test clock in steps, so timeouts elapse without waiting. The clock moves only
/// while the operation is parked in a timed wait of `controller` and `host` has nothing due left to do (see
/// `settle`), so the operation never sees time pass in the middle of its own steps, however loaded the machine.
func runAdvancing<T: Sendable>(
  _ clock: TestClock<Duration>,
  _ controller: SuspendController,
  _ host: SimulatedXenHost,
  step: Duration = .seconds(1),
  maxSteps: Int = 500,
  file: StaticString = #filePath, line: UInt = #line,
  _ operation: @escaping @Sendable () async throws -> T
) async -> Result<T, any Error> {
  let finished = Finished()
  let task = Task {
    defer { finished.set() }
    return try await operation()
  }
  var steps = 0
  while !finished.isSet && steps < maxSteps {
    await settle(controller, host, until: finished, file: file, line: line)
    await clock.advance(by: step)
    steps += 1
  }
  return await task.result
}

/// Waits (for real) until the operation finished, or is parked in a timed wait with every task it involves parked
/// and no guest reaction whose time has come still to run: then nothing but the clock can move it on. Advancing
/// whenever anything slept on the clock (as before) let a starved operation see its timeout pass before it had
/// written its request. A passing test never reaches the 30 s bound; one that does is reported, not advanced
/// silently.
private func settle(
  _ controller: SuspendController, _ host: SimulatedXenHost, until finished: Finished, file: StaticString, line: UInt
) async {
  let real = ContinuousClock()
  let end = real.now.advanced(by: .seconds(30))
  while !finished.isSet {
    if isParked(controller, host) { return }
    if real.now >= end {
      XCTFail(
        "the operation never parked: \(controller.waitSnapshot), \(host.waitSnapshot)", file: file, line: line)
      return
    }
    await Task.yield()
    try? await Task.sleep(for: .milliseconds(1))
  }
}

/// Whether the controller's operation is parked, from two readings of both sides that agree (so they describe one
/// moment; see `ControllerWaitSnapshot`).
func isParked(_ controller: SuspendController, _ host: SimulatedXenHost) -> Bool {
  let controllerFirst = controller.waitSnapshot
  let hostFirst = host.waitSnapshot
  let controllerSecond = controller.waitSnapshot
  let hostSecond = host.waitSnapshot
  guard controllerFirst == controllerSecond, hostFirst == hostSecond else { return false }
  return hostFirst.dueReactions == 0 && controllerFirst.isParked(hostWaitsParked: hostFirst.parkedTasks)
}

/// Waits (for real, briefly) until a condition holds: used to reach a point inside a running operation.
func eventually(timeout: Duration = .seconds(30), _ condition: () -> Bool) async -> Bool {
  let clock = ContinuousClock()
  let end = clock.now.advanced(by: timeout)
  while clock.now < end {
    if condition() { return true }
    try? await Task.sleep(for: .milliseconds(1))
  }
  return condition()
}

final class Finished: Sendable {
  private let flag = Mutex(false)
  var isSet: Bool { flag.withLock { $0 } }
  func set() { flag.withLock { $0 = true } }
}

/// The current xenstore value of a domain's control node, read as the toolstack.
func controlNode(_ host: SimulatedXenHost, _ domain: DomainID) throws -> String? {
  try host.read(XenStorePath.controlShutdown(of: domain))
}

func assertRunning(_ host: SimulatedXenHost, _ domain: DomainID, file: StaticString = #filePath, line: UInt = #line) {
  do {
    let info = try host.domainInfo(domain)
    XCTAssertEqual(DomainState(info), .running, "domain \(domain): \(info)", file: file, line: line)
  } catch {
    XCTFail("domainInfo(\(domain)) failed: \(error)", file: file, line: line)
  }
}

func assertHealthy(_ host: SimulatedXenHost, _ domain: DomainID, file: StaticString = #filePath, line: UInt = #line) {
  let observed = host.observations(of: domain)
  XCTAssertTrue(observed.isHealthy, "domain \(domain): \(observed.failure ?? "")", file: file, line: line)
}

/// Asserts that no suspend subscription is left on `domain`: someone else (libxl, a hand-written tool) suspends it
/// over xenstore and waits for `@releaseDomain`, which must fire (a subscription would silence it). Leaves the
/// domain suspended.
func assertReleaseDomainFiresForAnotherToolstacksSuspend(
  _ host: SimulatedXenHost, _ domain: DomainID, file: StaticString = #filePath, line: UInt = #line
) async throws {
  let watch = try host.watch(XenStorePath.releaseDomain)
  _ = try await host.nextWatchEvent(watch)  // the registration event
  try host.write(XenStorePath.controlShutdown(of: domain), value: "suspend")
  XCTAssertTrue(try host.domainInfo(domain).isSuspended, file: file, line: line)
  XCTAssertEqual(
    host.queuedEventCount(of: watch), 1, "@releaseDomain must fire for the suspend", file: file, line: line)
  try host.unwatch(watch)
}

/// Asserts that `body` throws a `SuspendResumeError` matching `matches`.
func assertThrowsSuspendError(
  _ body: () async throws -> Void,
  file: StaticString = #filePath, line: UInt = #line,
  _ matches: (SuspendResumeError) -> Bool
) async {
  do {
    try await body()
    XCTFail("expected an error", file: file, line: line)
  } catch let error as SuspendResumeError {
    XCTAssertTrue(matches(error), "unexpected error: \(error)", file: file, line: line)
  } catch {
    XCTFail("unexpected error type: \(error)", file: file, line: line)
  }
}
