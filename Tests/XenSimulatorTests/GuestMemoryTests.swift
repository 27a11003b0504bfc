import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

final class GuestMemoryTests: XCTestCase {
  func testSharedInfoLeadsThroughAThreeLevelP2MOfMachineFramesInBothWidths() throws {
    for width in GuestWidth.allCases {
      let host = SimulatedXenHost()
      let domain = host.createDomain(.pv(width: width))
      let p2m = try HandDrivenToolstack(host: host).p2m(of: domain)
      XCTAssertEqual(p2m.count, SimulatedGuest.memoryPages)
      XCTAssertEqual(Set(p2m).count, p2m.count, "every PFN has its own MFN")
      for (pfn, mfn) in p2m.enumerated() {
        XCTAssertNotEqual(mfn, UInt64(pfn), "an MFN never equals its PFN")
        XCTAssertNoThrow(try host.readGuestMemory(of: domain, frame: mfn, offset: 0, count: 1))
      }
    }
  }

  func testStartInfoNamesItsRingsByMFNWhileRunningAndByPFNWhileSuspended() throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pv())
    let p2m = try toolstack.p2m(of: domain)
    try toolstack.requestSuspend(domain)
    let frame = try host.vcpuContext(of: domain, vcpu: 0, width: .bits64).startInfoFrame
    let storeOffset = GuestLayout.startInfoStoreFrameOffset(.bits64)
    let consoleOffset = GuestLayout.startInfoConsoleFrameOffset(.bits64)
    var startInfo = try host.readGuestMemory(of: domain, frame: frame, offset: 0, count: GuestLayout.pageSize)
    let storePFN = word(startInfo, at: storeOffset, width: .bits64)
    let consolePFN = word(startInfo, at: consoleOffset, width: .bits64)
    XCTAssertLessThan(storePFN, UInt64(p2m.count))
    XCTAssertLessThan(consolePFN, UInt64(p2m.count))

    try toolstack.fastResume(domain)
    startInfo = try host.readGuestMemory(of: domain, frame: frame, offset: 0, count: GuestLayout.pageSize)
    XCTAssertEqual(word(startInfo, at: storeOffset, width: .bits64), p2m[Int(storePFN)])
    XCTAssertEqual(word(startInfo, at: consoleOffset, width: .bits64), p2m[Int(consolePFN)])
    XCTAssertTrue(host.observations(of: domain).isHealthy)
  }

  func testACorrectSlowPVResumeLeavesAHealthyGuestInBothWidths() throws {
    for width in GuestWidth.allCases {
      let host = SimulatedXenHost()
      let toolstack = HandDrivenToolstack(host: host)
      let domain = host.createDomain(.pv(width: width, vcpus: 2))
      try toolstack.requestSuspend(domain)
      try toolstack.slowResumePV(domain)
      try toolstack.finishResume(domain)
      let guest = host.observations(of: domain)
      XCTAssertTrue(guest.isHealthy, "\(width): \(guest.failure ?? "")")
      XCTAssertEqual(guest.resumesAsNewDomain, 1)
      XCTAssertEqual(guest.driverReconnects, 1)
      XCTAssertFalse(try host.domainInfo(domain).isShutdown)
    }
  }

  func testASlowPVResumeThatDoesNotRewriteStartInfoBreaksTheGuest() throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pv(vcpus: 2))
    try toolstack.requestSuspend(domain)
    try toolstack.slowResumePV(domain, translateStartInfo: false)
    let guest = host.observations(of: domain)
    XCTAssertFalse(guest.isHealthy)
    XCTAssertEqual(guest.failure, "start_info store_mfn still holds a PFN after a non-cancelled resume")
  }

  func testASlowPVResumeThatDoesNotResetTheSecondaryVCPUsBreaksTheGuest() throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pv(vcpus: 2))
    try toolstack.requestSuspend(domain)
    try toolstack.slowResumePV(domain, resetSecondaryVCPUs: false)
    XCTAssertEqual(
      host.observations(of: domain).failure,
      "vcpu 1 was not reset before a resume as a new domain: bringing it up fails with -EEXIST")
  }

  func testTranslatingStartInfoAndThenCancellingTheSuspendBreaksTheGuest() throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pv())
    try toolstack.requestSuspend(domain)
    let p2m = try toolstack.p2m(of: domain)
    let frame = try host.vcpuContext(of: domain, vcpu: 0, width: .bits64).startInfoFrame
    let offset = GuestLayout.startInfoStoreFrameOffset(.bits64)
    let pfn = word(
      try host.readGuestMemory(of: domain, frame: frame, offset: offset, count: 8), at: 0, width: .bits64)
    try host.writeGuestMemory(
      of: domain, frame: frame, offset: offset, bytes: GuestMemoryWord.bytes(of: p2m[Int(pfn)], width: .bits64))
    try toolstack.fastResume(domain)
    XCTAssertEqual(
      host.observations(of: domain).failure,
      "start_info store_mfn was translated to an MFN before a cancelled resume; the guest translated it again")
  }

  func testResettingSecondaryVCPUsAndThenCancellingTheSuspendBreaksTheGuest() throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pvhvm(vcpus: 2))
    try toolstack.requestSuspend(domain)
    try host.resetVCPU(of: domain, vcpu: 1)
    try toolstack.fastResume(domain)
    XCTAssertEqual(
      host.observations(of: domain).failure,
      "vcpu 1 was reset before a cancelled resume; the guest expects it to carry on")
  }

  func testForeignMappingsOfFramesTheDomainDoesNotOwnAreEPERM() throws {
    let host = SimulatedXenHost()
    let first = host.createDomain(.pv())
    let second = host.createDomain(.pv())
    let othersFrame = try host.domainInfo(second).sharedInfoFrame
    assertXenError(.notPermitted, try host.readGuestMemory(of: first, frame: othersFrame, offset: 0, count: 8))
    assertXenError(.notPermitted, try host.readGuestMemory(of: first, frame: 0, offset: 0, count: 8), "a PFN")
    assertXenError(.notPermitted, try host.writeGuestMemory(of: first, frame: othersFrame, offset: 0, bytes: [1]))
    assertXenError(.notPermitted, try host.readGuestMemory(of: .dom0, frame: othersFrame, offset: 0, count: 8))
  }

  func testRangesOutsideThePageAreEINVAL() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let frame = try host.domainInfo(domain).sharedInfoFrame
    assertXenError(.invalidArgument, try host.readGuestMemory(of: domain, frame: frame, offset: 4090, count: 8))
    assertXenError(.invalidArgument, try host.readGuestMemory(of: domain, frame: frame, offset: -1, count: 1))
    assertXenError(.invalidArgument, try host.readGuestMemory(of: domain, frame: frame, offset: 0, count: -1))
    assertXenError(
      .invalidArgument, try host.writeGuestMemory(of: domain, frame: frame, offset: 4095, bytes: [1, 2]))
    XCTAssertEqual(try host.readGuestMemory(of: domain, frame: frame, offset: 4088, count: 8).count, 8)
  }

  func testOverwritingTheGuestsP2MCorruptsIt() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let info = try host.domainInfo(domain)
    let shared = try host.readGuestMemory(of: domain, frame: info.sharedInfoFrame, offset: 0, count: 4096)
    let frameListList = word(shared, at: GuestLayout.sharedInfoFrameListListOffset(.bits64), width: .bits64)
    try host.writeGuestMemory(of: domain, frame: frameListList, offset: 0, bytes: [0, 0, 0, 0])
    XCTAssertEqual(
      host.observations(of: domain).failure,
      "a foreign write changed the guest's p2m frame-list-list (frame 0x\(String(frameListList, radix: 16)))")
  }

  func testOrdinaryPagesKeepWhatIsWrittenToThem() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let frame = try HandDrivenToolstack(host: host).p2m(of: domain)[100]
    try host.writeGuestMemory(of: domain, frame: frame, offset: 10, bytes: [1, 2, 3])
    XCTAssertEqual(try host.readGuestMemory(of: domain, frame: frame, offset: 9, count: 5), [0, 1, 2, 3, 0])
    XCTAssertTrue(host.observations(of: domain).isHealthy)
  }
}
