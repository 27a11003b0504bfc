import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore

@testable import XenSimulator

/// The PV slow resume translates start_info's ring frames through whichever p2m the guest publishes, and refuses
/// structures it cannot trust before its first write, leaving the guest suspended exactly as it was.
final class LinearP2MSlowResumeTests: XCTestCase {
  /// The calls that change a guest; a refused resume makes none of them.
  private let changingCalls: Set<XenHostOperation> = [
    .writeGuestMemory, .setVCPUContext, .resetVCPU, .resumeDomain, .resumeDomainInXenStore,
  ]

  private struct Suspended {
    let simulator: SimulatedXenHost
    let domain: DomainID
    let controller: SuspendController
    let calls: HostCallCounter
  }

  /// A suspended PV guest, its p2m laid out as asked, with a call recorder started after the suspend.
  private func suspendedGuest(
    width: GuestWidth, vcpus: Int = 2, linear: Bool, damage: [GuestMemoryDamage] = []
  ) async throws -> Suspended {
    let simulator = SimulatedXenHost()
    let domain = simulator.createDomain(.pv(width: width, vcpus: vcpus, p2m: linear ? .linear : .tree))
    let controller = SuspendController(host: simulator)
    _ = try await controller.suspend(domain, timeout: .seconds(5))
    for change in damage { simulator.damageGuestMemory(of: domain, change) }
    let calls = HostCallCounter(observing: simulator, recording: true)
    return Suspended(simulator: simulator, domain: domain, controller: controller, calls: calls)
  }

  private func slowResume(_ guest: Suspended) async throws {
    try await guest.controller.resume(guest.domain, mode: .slow, options: .confirmSlowResumeOfPVAwareGuest)
  }

  /// Asserts that a slow resume is refused with a hint containing `hint`, that it changed nothing, and that the
  /// guest is still suspended, healthy, and comes back with a fast resume as if nothing had been tried.
  private func assertRefused(
    _ guest: Suspended, hint: String, unsupported: Bool = false, file: StaticString = #filePath, line: UInt = #line
  ) async throws {
    await assertThrowsSuspendError({ try await self.slowResume(guest) }, file: file, line: line) { error in
      switch error {
      case .hostCall(let call, let state, let undone):
        return !unsupported && (call.hint ?? "").contains(hint) && state?.isSuspended == true && undone == nil
      case .unsupported(guest.domain, .pv, let operation):
        return unsupported && operation.contains(hint)
      default:
        return false
      }
    }
    let changes = guest.calls.recordedOperations.filter(changingCalls.contains)
    XCTAssertEqual(changes, [], "a refused resume changed the guest", file: file, line: line)
    XCTAssertTrue(try guest.simulator.domainInfo(guest.domain).isSuspended, file: file, line: line)
    assertHealthy(guest.simulator, guest.domain, file: file, line: line)
    // The refusal left no mark a fast resume would trip on: start_info still holds the PFNs, no vcpu was reset.
    try await guest.controller.resume(guest.domain, mode: .fast)
    assertRunning(guest.simulator, guest.domain, file: file, line: line)
    assertHealthy(guest.simulator, guest.domain, file: file, line: line)
    XCTAssertEqual(guest.simulator.observations(of: guest.domain).resumesAsNewDomain, 0, file: file, line: line)
  }

  // MARK: Translation

  func testAGuestWithALinearP2MSlowResumesHealthyInBothWidths() async throws {
    for width in GuestWidth.allCases {
      let guest = try await suspendedGuest(width: width, vcpus: 3, linear: true)
      try await slowResume(guest)
      assertRunning(guest.simulator, guest.domain)
      assertHealthy(guest.simulator, guest.domain)
      XCTAssertEqual(guest.simulator.observations(of: guest.domain).resumesAsNewDomain, 1, "\(width)")
      // One anchor read, start_info's magic and fields, then for each of two frames a walk of levels + 1 words
      // and a read of the frame found (the guest must own it).
      let reads = guest.calls.recordedOperations.filter { $0 == .readGuestMemory }.count
      XCTAssertEqual(reads, 3 + 2 * (GuestLayout.pageTableLevels(width) + 1 + 1), "\(width)")
    }
  }

  func testATreeGuestStillSlowResumesHealthyInBothWidths() async throws {
    for width in GuestWidth.allCases {
      let guest = try await suspendedGuest(width: width, linear: false)
      try await slowResume(guest)
      assertRunning(guest.simulator, guest.domain)
      assertHealthy(guest.simulator, guest.domain)
    }
  }

  // MARK: Refusals

  func testABadStartInfoMagicIsRefusedBeforeAnyWrite() async throws {
    for width in GuestWidth.allCases {
      for linear in [false, true] {
        // The other width's magic: a 32-bit reading of a 64-bit guest's page, or the other way round.
        let other = GuestLayout.startInfoMagic(width == .bits64 ? .bits32 : .bits64)
        let guest = try await suspendedGuest(width: width, linear: linear, damage: [.startInfoMagic(other)])
        try await assertRefused(guest, hint: "holds magic \"\(other)\"")
      }
    }
  }

  func testAMagicWithTrailingBytesIsRefused() async throws {
    let magic = GuestLayout.startInfoMagic(.bits64) + "x"
    let guest = try await suspendedGuest(width: .bits64, linear: true, damage: [.startInfoMagic(magic)])
    try await assertRefused(guest, hint: "start_info magic")
  }

  func testInvalidForeignAndIdentityP2MEntriesAreRefusedInBothLayoutsAndWidths() async throws {
    for width in GuestWidth.allCases {
      let top: UInt64 = width == .bits64 ? 1 << 63 : 1 << 31
      let entries: [(UInt64, String)] = [
        (width == .bits64 ? UInt64.max : UInt64(UInt32.max), "the invalid entry"),
        (top | 0x1234, "marked foreign"),
        (top >> 1 | 0x1234, "marked identity"),
      ]
      for linear in [false, true] {
        for (value, kind) in entries {
          // The console ring: the store ring's translation succeeds first, and still nothing may be written.
          let pfn = GuestMemory.consoleRingPFN
          let guest = try await suspendedGuest(
            width: width, linear: linear, damage: [.p2mEntry(pfn: pfn, value: value)])
          try await assertRefused(guest, hint: "p2m entry of frame \(pfn) is 0x\(String(value, radix: 16)), \(kind)")
        }
      }
    }
  }

  func testAnOddP2MGenerationIsRefused() async throws {
    for width in GuestWidth.allCases {
      let guest = try await suspendedGuest(width: width, linear: true, damage: [.p2mGeneration(7)])
      try await assertRefused(guest, hint: "generation 7 is odd")
    }
  }

  func testAFrameListListOfAllOnesWithoutALinearP2MIsRefused() async throws {
    // A linear-p2m guest whose p2m_cr3 is lost: the frame-list-list says there is no tree either.
    for width in GuestWidth.allCases {
      let guest = try await suspendedGuest(width: width, linear: true, damage: [.linearP2MRoot(0)])
      try await assertRefused(guest, hint: "publishes no linear p2m (p2m_cr3 is 0)")
    }
  }

  func testALinearP2MRootOfFrameZeroIsRefused() async throws {
    // A p2m_cr3 of 0 means "no linear map", so frame 0 comes from a value with only flag bits (PWT, PCD) set.
    let guest = try await suspendedGuest(width: .bits64, linear: true, damage: [.linearP2MRoot(0x18)])
    try await assertRefused(guest, hint: "names frame 0")
  }

  func testALinearP2MOverlappingXensRangeOrNonCanonicalIsRefused() async throws {
    let cases: [(GuestWidth, UInt64)] = [
      (.bits64, 0xFFFF_8000_0000_0000), (.bits64, 0x0000_8000_0000_0000), (.bits64, 0xFFFF_FFFF_FFFF_F800),
      (.bits32, 0xF580_0000), (.bits32, 0xFFFF_F000),
    ]
    for (width, address) in cases {
      let guest = try await suspendedGuest(width: width, linear: true, damage: [.linearP2MAddress(address)])
      try await assertRefused(guest, hint: "the linear p2m from 0x\(String(address, radix: 16))")
    }
  }

  func testAbsentAndLargePageTableEntriesAreRefusedAtEveryLevel() async throws {
    for width in GuestWidth.allCases {
      for level in 1...GuestLayout.pageTableLevels(width) {
        let absent = try await suspendedGuest(
          width: width, linear: true, damage: [.pageTableEntry(level: level, value: 0x1234_5000)])
        try await assertRefused(absent, hint: "level-\(level) page-table entry for p2m address")
        let zero = try await suspendedGuest(
          width: width, linear: true, damage: [.pageTableEntry(level: level, value: 0x67)])
        try await assertRefused(zero, hint: "names frame 0")
        guard level > 1 else { continue }
        let large = try await suspendedGuest(
          width: width, linear: true, damage: [.pageTableEntry(level: level, value: 0x1234_5000 | 0xE7)])
        try await assertRefused(large, hint: "a linear p2m mapped with large pages", unsupported: true)
      }
    }
  }
}
