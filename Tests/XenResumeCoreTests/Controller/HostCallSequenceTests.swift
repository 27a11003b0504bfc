import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// The exact host calls of each path, first cycle and steady state, compared with what libxl_dom_suspend.c and
/// xg_resume.c do for the same step. `@releaseDomain` events are read by the controller's shared watch pump
/// concurrently, so `xs_read_watch` is left out of the ordered comparison.
final class HostCallSequenceTests: XCTestCase {
  private func cycle(
    _ guest: SimulatedGuest, cycles: Int = 2
  ) async throws -> (suspends: [[XenHostOperation]], resumes: [[XenHostOperation]]) {
    let simulator = SimulatedXenHost()
    let domain = simulator.createDomain(guest)
    let calls = HostCallCounter(observing: simulator, recording: true)
    let controller = SuspendController(host: simulator)
    var suspends: [[XenHostOperation]] = []
    var resumes: [[XenHostOperation]] = []
    for _ in 0..<cycles {
      calls.reset()
      _ = try await controller.suspend(domain)
      suspends.append(calls.recordedOperations.filter { $0 != .nextWatchEvent })
      calls.reset()
      try await controller.resume(domain, mode: .fast)
      resumes.append(calls.recordedOperations.filter { $0 != .nextWatchEvent })
    }
    assertHealthy(simulator, domain)
    return (suspends, resumes)
  }

  /// xg_resume.c's modify_returncode + resumedomain, then xs_resume_domain: info, get, set, resume, XS_RESUME.
  private let cooperativeFastResume: [XenHostOperation] = [
    .domainInfo, .vcpuContext, .setVCPUContext, .resumeDomain, .resumeDomainInXenStore,
  ]

  func testPVXenStorePath() async throws {
    let (suspends, resumes) = try await cycle(.pv())
    // First cycle: learn the toolstack's domain, the state, the width, that there is no suspend event channel,
    // that the control node exists; take the suspend lock and clear any suspend subscription left behind (it
    // would silence @releaseDomain); one @releaseDomain watch for the controller's lifetime, and beside it the
    // watch on the control node the session keeps; then libxl's pvcontrol: write, read the ack after the guest's
    // event (two events taken without waiting, as this guest answers inside the write: the registration's or our
    // write's, which needs no read, then the next); then the domain info that shows the suspend.
    XCTAssertEqual(
      suspends[0],
      [
        .toolstackDomain, .domainInfo, .guestWidth, .read, .read, .acquireSuspendLock, .subscribeForSuspend,
        .watch, .watch, .write, .takeWatchEvent, .takeWatchEvent, .read, .domainInfo,
      ])
    // Steady state: the domain's state and identity, the advertised suspend port (libxl reads both for every
    // suspend), any suspend subscription cleared (one left behind would silence @releaseDomain), request,
    // acknowledgement, state.
    XCTAssertEqual(
      suspends[1],
      [.domainInfo, .read, .subscribeForSuspend, .write, .takeWatchEvent, .takeWatchEvent, .read, .domainInfo])
    XCTAssertEqual(resumes[0], cooperativeFastResume)
    XCTAssertEqual(resumes[1], cooperativeFastResume)
  }

  func testPVEventChannelPath() async throws {
    let (suspends, resumes) = try await cycle(.pv(suspendEventChannel: true))
    // xc_suspend_evtchn_init_exclusive: lock, bind, drain the bind-time event, subscribe — once.
    XCTAssertEqual(
      suspends[0],
      [
        .toolstackDomain, .domainInfo, .guestWidth, .read, .acquireSuspendLock,
        .bindInterdomainEventChannel, .consumePendingEvent, .subscribeForSuspend,
        .notify, .consumePendingEvent, .domainInfo,
      ])
    // Steady state: notify, wait for the port, check the state (xc_await_suspend + libxl's check). The
    // controller's one @releaseDomain watch, registered in the first cycle, also catches a crash meanwhile.
    // The simulated guest answers inside the notify, so the port is already pending: no timed wait is needed.
    XCTAssertEqual(suspends[1], [.domainInfo, .read, .notify, .consumePendingEvent, .domainInfo])
    XCTAssertEqual(resumes[1], cooperativeFastResume)
  }

  func testPVHVMXenStorePath() async throws {
    let (suspends, resumes) = try await cycle(.pvhvm())
    // libxl reads HVM_PARAM_CALLBACK_IRQ and HVM_PARAM_ACPI_S_STATE for non-PV guests; the width is the host's.
    XCTAssertEqual(
      suspends[0],
      [
        .toolstackDomain, .domainInfo, .hvmParameter, .hostWidth, .hvmParameter, .read, .read,
        .acquireSuspendLock, .subscribeForSuspend, .watch, .watch, .write, .takeWatchEvent, .takeWatchEvent, .read,
        .domainInfo,
      ])
    // Every suspend: state, HVM_PARAM_CALLBACK_IRQ and HVM_PARAM_ACPI_S_STATE (as libxl), the advertised port.
    XCTAssertEqual(
      suspends[1],
      [
        .domainInfo, .hvmParameter, .hvmParameter, .read, .subscribeForSuspend, .write, .takeWatchEvent,
        .takeWatchEvent, .read, .domainInfo,
      ])
    // The controller suspended it cooperatively, so it knows vcpu0 is in the hypercall: no callback-irq read.
    XCTAssertEqual(resumes[1], cooperativeFastResume)
  }

  func testPureHVMPathNeverTouchesRegisters() async throws {
    let (suspends, resumes) = try await cycle(.hvm())
    XCTAssertEqual(
      suspends[0],
      [
        .toolstackDomain, .domainInfo, .hvmParameter, .hostWidth, .acquireSuspendLock, .subscribeForSuspend,
        .shutdownDomain, .watch, .domainInfo,
      ])
    // A pure HVM guest may load PV drivers later, so its callback irq is read again on every suspend.
    XCTAssertEqual(suspends[1], [.domainInfo, .hvmParameter, .subscribeForSuspend, .shutdownDomain, .domainInfo])
    XCTAssertEqual(resumes[0], [.domainInfo, .resumeDomain, .resumeDomainInXenStore])
    XCTAssertEqual(resumes[1], [.domainInfo, .resumeDomain, .resumeDomainInXenStore])
  }

  func testPVSlowResumeTranslatesOnlyTheTwoFramesItNeeds() async throws {
    let simulator = SimulatedXenHost()
    let domain = simulator.createDomain(.pv(width: .bits64, vcpus: 3))
    let calls = HostCallCounter(observing: simulator, recording: true)
    let controller = SuspendController(host: simulator)
    _ = try await controller.suspend(domain)
    calls.reset()
    try await controller.resume(domain, mode: .slow, options: .confirmSlowResumeOfPVAwareGuest)
    // xg_resume.c's resume_as_new_domain, minus mapping the whole p2m: the shared_info anchor, vcpu0's rdx,
    // start_info's two frames, three p2m levels for each and a read of the frame found (the guest must own it),
    // two writes, secondary vcpus reset, resumedomain.
    XCTAssertEqual(
      calls.recordedOperations.filter { $0 != .nextWatchEvent },
      [.domainInfo, .readGuestMemory, .vcpuContext, .readGuestMemory, .readGuestMemory]
        + Array(repeating: .readGuestMemory, count: 2 * (3 + 1))
        + [.writeGuestMemory, .writeGuestMemory, .resetVCPU, .resetVCPU, .resumeDomain, .resumeDomainInXenStore])
    assertHealthy(simulator, domain)
    XCTAssertEqual(simulator.observations(of: domain).resumesAsNewDomain, 1)
  }

  func testResumeOfARunningDomainTouchesNothing() async throws {
    let simulator = SimulatedXenHost()
    let domain = simulator.createDomain(.pv())
    let calls = HostCallCounter(observing: simulator, recording: true)
    let controller = SuspendController(host: simulator)
    for mode in ResumeMode.allCases {
      calls.reset()
      await assertThrowsSuspendError({ try await controller.resume(domain, mode: mode) }) {
        if case .notSuspended(domain, .running) = $0 { return true }
        return false
      }
      XCTAssertEqual(calls.recordedOperations.filter { $0 != .toolstackDomain }, [.domainInfo], "\(mode)")
    }
    assertHealthy(simulator, domain)
  }
}
