import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// `SuspendController.capture` and `rewind` end to end against the simulator's rules: a PVH guest put back to a
/// capture of itself runs on from it as a new domain; everything a rewind must refuse is refused with the guest
/// untouched; a failure part-way never lets a half-rewound guest run.
final class RewindTests: XCTestCase {
  private static let guests: [SimulatedGuest] = [.pvh(kernel: .linux), .pvh(vcpus: 2, kernel: .linux)]

  /// A Linux PVH guest on `release`, suspended once and captured, resumed fast, then suspended twice more and left
  /// suspended: its memory remembers 3 suspends, the capture 1.
  private func capturedThenRunOn(
    _ guest: SimulatedGuest, release: SimulatedXenRelease = .xen4_17
  ) async throws -> (SimulatedXenHost, SuspendController, DomainID, GuestCapture) {
    let host = SimulatedXenHost(release: release)
    let domain = host.createDomain(guest)
    let controller = SuspendController(host: host)
    let capture = try await controller.checkpoint(domain) { _ in try await controller.capture(domain) }
    XCTAssertEqual(host.observations(of: domain).suspendsRemembered, 1)
    _ = try await controller.suspend(domain)
    try await controller.resume(domain, mode: .fast)
    _ = try await controller.suspend(domain)
    XCTAssertEqual(host.observations(of: domain).suspendsRemembered, 3)
    return (host, controller, domain, capture)
  }

  func testARewoundPVHGuestRunsOnFromTheCaptureAsANewDomainAndAnswersLaterCheckpoints() async throws {
    for release in SimulatedXenRelease.allCases {
      for guest in Self.guests {
        let (host, controller, domain, capture) = try await capturedThenRunOn(guest, release: release)
        let context = "\(guest) on \(release)"
        XCTAssertEqual(capture.handle, try host.domainInfo(domain).handle, context)
        XCTAssertEqual(capture.vcpuCount, guest.vcpus, context)
        XCTAssertFalse(capture.frames.isEmpty, context)
        let special = Set(
          try HVMParameter.specialPages.map { try host.hvmParameter($0, of: domain) }.filter { $0 != 0 })
        XCTAssertTrue(special.isDisjoint(with: capture.frames), "\(context): rings are left out")
        host.clearTrace()

        let rewound = try await controller.rewind(domain, to: capture)

        XCTAssertEqual(rewound.mode, .slow, context)
        XCTAssertEqual(
          rewound.stages.map(\.stage),
          [.stateChecked, .stateReplaced, .softReset, .channelsRebuilt, .domainResumed, .xenstoreResumed], context)
        let observations = host.observations(of: domain)
        XCTAssertTrue(observations.isHealthy, "\(context): \(observations.failure ?? "")")
        XCTAssertEqual(observations.suspendsRemembered, 1, "\(context): its memory is the capture's")
        XCTAssertEqual(observations.resumesAsNewDomain, 1, context)
        XCTAssertTrue(observations.xenstoreConnected, context)
        XCTAssertEqual(host.domainState(of: domain), .running, context)
        let calls = host.trace.map(\.operation)
        XCTAssertEqual(calls.count { $0 == .setHVMContext }, 1, context)
        XCTAssertEqual(calls.count { $0 == .softResetDomain }, 1, context)
        // Written only after every frame was checked, and the context after every page.
        let lastKinds = try XCTUnwrap(calls.lastIndex(of: .guestFrameKinds), context)
        let firstWrite = try XCTUnwrap(calls.firstIndex(of: .writeGuestFrames), context)
        XCTAssertLessThan(lastKinds, firstWrite, context)
        XCTAssertLessThan(try XCTUnwrap(calls.lastIndex(of: .writeGuestFrames)), calls.firstIndex(of: .setHVMContext)!)

        for _ in 0..<2 {
          try await controller.checkpoint(domain) { _ in }
        }
        let later = host.observations(of: domain)
        XCTAssertTrue(later.isHealthy, "\(context): \(later.failure ?? "")")
        XCTAssertEqual(later.suspendsRemembered, 3, "\(context): counting on from the capture")
      }
    }
  }

  func testACaptureWrittenToAFileAndReadBackRewindsTheGuestTheSame() async throws {
    let (host, controller, domain, capture) = try await capturedThenRunOn(.pvh(vcpus: 2, kernel: .linux))
    var template = Array("/tmp/rewind-test-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    XCTAssertGreaterThanOrEqual(fd, 0)
    let file = FileDescriptor(rawValue: fd)
    defer {
      try? file.close()
      template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    }
    try GuestCaptureFile.write(capture, to: file)
    let read = try GuestCaptureFile.read(from: file)
    XCTAssertEqual(read, capture)
    try await controller.rewind(domain, to: read)
    XCTAssertEqual(host.observations(of: domain).suspendsRemembered, 1)
    XCTAssertTrue(host.observations(of: domain).isHealthy)
  }

  func testACaptureOfAnotherDomainIsRefusedBeforeEitherGuestIsTouched() async throws {
    let host = SimulatedXenHost()
    let first = host.createDomain(.pvh(kernel: .linux))
    let second = host.createDomain(.pvh(kernel: .linux))
    let controller = SuspendController(host: host)
    let capture = try await controller.checkpoint(first) { _ in try await controller.capture(first) }
    _ = try await controller.suspend(second)
    host.clearTrace()

    await assertRefused(containing: "another domain") { try await controller.checkRewind(of: second, to: capture) }
    await assertRefused(containing: "another domain") { try await controller.rewind(second, to: capture) }

    let writes = host.trace.filter {
      [.pauseDomain, .writeGuestFrames, .setHVMContext, .softResetDomain].contains($0.operation)
    }
    XCTAssertEqual(writes, [], "nothing was done to the guest")
    XCTAssertEqual(host.domainState(of: second), .shutDown(.suspend))
    try await controller.resume(second, mode: .fast)
    XCTAssertTrue(host.observations(of: second).isHealthy)
    XCTAssertEqual(host.observations(of: second).suspendsRemembered, 1)
  }

  func testPVPVHVMAndHVMGuestsCannotBeCapturedOrRewoundAndAreNotTouched() async throws {
    let host = SimulatedXenHost()
    let pvh = host.createDomain(.pvh(kernel: .linux))
    let controller = SuspendController(host: host)
    let capture = try await controller.checkpoint(pvh) { _ in try await controller.capture(pvh) }
    for guest in [SimulatedGuest.pv(width: .bits64), .pvhvm(kernel: .linux), .hvm()] {
      let domain = host.createDomain(guest)
      _ = try await controller.suspend(domain)
      host.clearTrace()
      for attempt in [
        { try await controller.checkCapture(of: domain) },
        { _ = try await controller.capture(domain) },
        { try await controller.rewind(domain, to: capture) },
      ] as [@Sendable () async throws -> Void] {
        do {
          try await attempt()
          XCTFail("\(guest): accepted")
        } catch SuspendResumeError.unsupported(let failed, _, let operation) {
          XCTAssertEqual(failed, domain)
          XCTAssertTrue(operation.contains("soft_reset") || operation.contains("device model"), operation)
        }
      }
      XCTAssertFalse(host.trace.contains { $0.operation == .pauseDomain || $0.operation == .hvmContext }, "\(guest)")
      try await controller.resume(domain, mode: .fast)
      XCTAssertTrue(host.observations(of: domain).isHealthy, "\(guest)")
    }
  }

  func testARunningGuestIsNeitherCapturedNorRewound() async throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvh(kernel: .linux))
    let controller = SuspendController(host: host)
    let capture = try await controller.checkpoint(domain) { _ in try await controller.capture(domain) }
    host.clearTrace()
    for attempt in [
      { _ = try await controller.capture(domain) }, { try await controller.rewind(domain, to: capture) },
    ] as [@Sendable () async throws -> Void] {
      do {
        try await attempt()
        XCTFail("accepted")
      } catch SuspendResumeError.notSuspended(_, let state) {
        XCTAssertEqual(state, .running)
      }
    }
    XCTAssertFalse(host.trace.contains { $0.operation == .pauseDomain })
  }

  func testAFirstWriteThatFailsLeavesTheGuestSuspendedAsItWasWithThePauseTakenBack() async throws {
    let (host, controller, domain, capture) = try await capturedThenRunOn(.pvh(kernel: .linux))
    host.injectFault(.writeGuestFrames, errno: .ioError, domain: domain)
    do {
      try await controller.rewind(domain, to: capture)
      XCTFail("the rewind succeeded")
    } catch SuspendResumeError.hostCall(let error, let state, let undone) {
      XCTAssertEqual(error.call, XenHostOperation.writeGuestFrames.rawValue)
      XCTAssertEqual(state, .shutDown(.suspend))
      XCTAssertEqual(undone, "the extra pause taken back; nothing written")
    }
    XCTAssertFalse(try host.domainInfo(domain).isPaused)
    try await controller.resume(domain, mode: .fast)
    let observations = host.observations(of: domain)
    XCTAssertTrue(observations.isHealthy, observations.failure ?? "")
    XCTAssertEqual(observations.suspendsRemembered, 3, "not rewound")
  }

  func testAFailureOnceTheMemoryIsWrittenHoldsTheDomainPausedAndARewindAgainFinishesIt() async throws {
    for operation in [XenHostOperation.setHVMContext, .softResetDomain] {
      let (host, controller, domain, capture) = try await capturedThenRunOn(.pvh(vcpus: 2, kernel: .linux))
      host.injectFault(operation, errno: .ioError, domain: domain)
      do {
        try await controller.rewind(domain, to: capture)
        XCTFail("\(operation): the rewind succeeded")
      } catch SuspendResumeError.rewindIncomplete(let failed, let error, let written, let count) {
        XCTAssertEqual(failed, domain)
        XCTAssertEqual(error.call, operation.rawValue)
        XCTAssertEqual(written, count, "\(operation): every page was written")
        XCTAssertEqual(count, capture.frames.count)
      }
      let info = try host.domainInfo(domain)
      XCTAssertTrue(info.isPaused && info.isSuspended, "\(operation): held paused and suspended")
      XCTAssertEqual(host.observations(of: domain).phase, .suspended, "\(operation): the guest has not run")

      try await controller.rewind(domain, to: capture)
      let observations = host.observations(of: domain)
      XCTAssertTrue(observations.isHealthy, "\(operation): \(observations.failure ?? "")")
      XCTAssertEqual(observations.suspendsRemembered, 1, "\(operation)")
      XCTAssertEqual(host.domainState(of: domain), .running, "\(operation)")
    }
  }

  func testACapturedFrameThatIsNoLongerRAMIsRefusedBeforeAnythingIsWritten() async throws {
    let (host, controller, domain, capture) = try await capturedThenRunOn(.pvh(kernel: .linux))
    // The capture of a guest whose map had one more frame: that frame is a hole in this domain.
    let hole = capture.maximumFrame + 1
    let bigger = GuestCapture(
      domain: capture.domain, handle: capture.handle, guestType: capture.guestType, totalPages: capture.totalPages,
      vcpuCount: capture.vcpuCount, maximumFrame: hole, hvmContext: capture.hvmContext,
      frames: capture.frames + [hole], memory: capture.memory + [UInt8](repeating: 0, count: GuestLayout.pageSize))
    host.clearTrace()
    await assertRefused(containing: "captured frame \(hole)") { try await controller.rewind(domain, to: bigger) }
    XCTAssertFalse(host.trace.contains { $0.operation == .writeGuestFrames })
    XCTAssertFalse(try host.domainInfo(domain).isPaused, "the extra pause taken back")
    try await controller.resume(domain, mode: .fast)
    XCTAssertEqual(host.observations(of: domain).suspendsRemembered, 3)
  }

  private func assertRefused(
    containing text: String, file: StaticString = #filePath, line: UInt = #line, _ body: () async throws -> Void
  ) async {
    do {
      try await body()
      XCTFail("expected a refusal", file: file, line: line)
    } catch SuspendResumeError.refused(_, let reason) {
      XCTAssertTrue(reason.contains(text), reason, file: file, line: line)
    } catch {
      XCTFail("expected a refusal, got \(error)", file: file, line: line)
    }
  }
}
