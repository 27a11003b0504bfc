import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore

@testable import XenSimulator

/// The whole-guest calls a capture and a rewind make (`xc_domain_maximum_gpfn`, `XEN_DOMCTL_getpageframeinfo3`,
/// batched foreign mappings, `XEN_DOMCTL_gethvmcontext` and `XEN_DOMCTL_sethvmcontext`), and a rewind written call
/// by call over them, so that a toolstack missing a step fails here without the library's controller.
final class GuestStateTests: XCTestCase {
  /// A guest's RAM and HVM context as a capture takes them: the RAM frames of `0...maximum` but the special pages,
  /// their pages in order, and the context.
  private struct Capture {
    let frames: [UInt64]
    let memory: [UInt8]
    let context: [UInt8]
  }

  private let page = GuestLayout.pageSize

  private func capture(_ domain: DomainID, on host: SimulatedXenHost) throws -> Capture {
    var special: Set<UInt64> = []
    for parameter in HVMParameter.specialPages {
      let frame = try host.hvmParameter(parameter, of: domain)
      if frame != 0 { special.insert(frame) }
    }
    let maximum = try host.maximumGuestFrame(of: domain)
    var frames: [UInt64] = []
    var memory: [UInt8] = []
    for base in stride(from: UInt64(0), through: maximum, by: GuestFrameKind.batchLimit) {
      let batch = Array(base...min(maximum, base + UInt64(GuestFrameKind.batchLimit - 1)))
      let kinds = try host.guestFrameKinds(of: domain, frames: batch)
      let ram = zip(batch, kinds).filter { $0.1 == .ram && !special.contains($0.0) }.map(\.0)
      guard !ram.isEmpty else { continue }
      try host.readGuestFrames(of: domain, frames: ram, appendingTo: &memory)
      frames += ram
    }
    return Capture(frames: frames, memory: memory, context: try host.hvmContext(of: domain))
  }

  private func writeMemory(of capture: Capture, into domain: DomainID, on host: SimulatedXenHost) throws {
    for start in stride(from: 0, to: capture.frames.count, by: GuestFrameKind.batchLimit) {
      let end = min(capture.frames.count, start + GuestFrameKind.batchLimit)
      try host.writeGuestFrames(
        of: domain, frames: Array(capture.frames[start..<end]), pages: capture.memory[(start * page)..<(end * page)])
    }
  }

  /// The context with vcpu 0's return register 0: "resumed in a new domain".
  private func resumingAsNewDomain(_ context: [UInt8]) throws -> [UInt8] {
    try HVMContextRecords(context).settingReturnRegister(ofVCPU: 0, to: 0, in: context)
  }

  /// Suspends the guest through xenstore, then has the toolstack pause it.
  private func suspendAndPause(_ domain: DomainID, on host: SimulatedXenHost) throws {
    try HandDrivenToolstack(host: host).requestSuspend(domain)
    XCTAssertTrue(try host.domainInfo(domain).isSuspended)
    try host.pauseDomain(domain)
  }

  /// A new guest suspended through xenstore and paused, and its HVM context then.
  private func suspendedGuest(_ guest: SimulatedGuest, on host: SimulatedXenHost) throws -> (DomainID, [UInt8]) {
    let domain = host.createDomain(guest)
    try suspendAndPause(domain, on: host)
    return (domain, try host.hvmContext(of: domain))
  }

  /// The soft-reset resume the controller makes of a paused, suspended guest: soft reset, rebuild, unpause.
  private func softResetResume(_ domain: DomainID, on host: SimulatedXenHost) throws {
    try host.softResetDomain(domain)
    try HandDrivenToolstack(host: host).rebuildAfterSoftReset(domain)
    try host.unpauseDomain(domain)
  }

  /// `context` with one CPU record's bytes changed: `offset` in the record of `vcpu`.
  private func changing(_ context: [UInt8], vcpu: UInt16, at offset: Int, to bytes: [UInt8]) throws -> [UInt8] {
    let record = try XCTUnwrap(
      HVMContextRecords(context).records.first {
        $0.typeCode == HVMContextRecords.cpuTypeCode && $0.instance == vcpu
      })
    var copy = context
    copy.replaceSubrange((record.dataOffset + offset)..<(record.dataOffset + offset + bytes.count), with: bytes)
    return copy
  }

  private func assertHealthy(
    _ host: SimulatedXenHost, _ domain: DomainID, _ message: String = "", file: StaticString = #filePath,
    line: UInt = #line
  ) {
    let observations = host.observations(of: domain)
    XCTAssertTrue(observations.isHealthy, "\(message): \(observations.failure ?? "")", file: file, line: line)
  }

  private func assertCorrupted(
    _ host: SimulatedXenHost, _ domain: DomainID, saying text: String, file: StaticString = #filePath,
    line: UInt = #line
  ) {
    let observations = host.observations(of: domain)
    XCTAssertFalse(observations.isHealthy, file: file, line: line)
    XCTAssertTrue(
      observations.failure?.contains(text) ?? false, "\(observations.failure ?? "no failure")", file: file, line: line)
  }

  // MARK: The physical map

  func testTheMaximumFrameIsAnHVMContainersHighestGFNAndAPVGuestsHighestPFN() throws {
    let host = SimulatedXenHost()
    let pvh = host.createDomain(.pvh())
    let pvhvm = host.createDomain(.pvhvm())
    let pv = host.createDomain(.pv(width: .bits32))
    let memory = UInt64(SimulatedGuest.memoryPages)
    XCTAssertEqual(try host.maximumGuestFrame(of: pvh), memory - 1)
    XCTAssertEqual(try host.maximumGuestFrame(of: pvhvm), memory - 1 + 32, "the VGA hole moves the RAM above it up")
    XCTAssertEqual(try host.maximumGuestFrame(of: pv), memory - 1, "(shared_info's max_pfn ?: 1) - 1")
    for domain in [pvh, pvhvm] {
      let maximum = try host.maximumGuestFrame(of: domain)
      XCTAssertLessThanOrEqual(try host.hvmParameter(.storeFrame, of: domain), maximum)
      XCTAssertLessThanOrEqual(try host.hvmParameter(.consoleFrame, of: domain), maximum)
    }
    XCTAssertEqual(try host.maximumGuestFrame(of: .dom0), 0, "domain 0's memory is not modelled")
    assertXenError(.noSuchProcess, try host.maximumGuestFrame(of: DomainID(42)))
  }

  func testAScanOfTheWholeMapFindsEveryRAMPageTheRingsAmongThemAndHolesAndSharedInfoAbsent() throws {
    let host = SimulatedXenHost()
    // Every page is RAM but the VGA hole of a guest with a device model and a PV-aware kernel's shared_info frame.
    let cases: [(SimulatedGuest, hole: Bool, sharedInfo: Bool)] = [
      (.pvh(), false, true), (.pvhvm(), true, true), (.hvm(), true, false),
    ]
    for (guest, hole, sharedInfo) in cases {
      let domain = host.createDomain(guest)
      let maximum = try host.maximumGuestFrame(of: domain)
      var kinds: [UInt64: GuestFrameKind] = [:]
      for base in stride(from: UInt64(0), through: maximum, by: GuestFrameKind.batchLimit) {
        let batch = Array(base...min(maximum, base + UInt64(GuestFrameKind.batchLimit - 1)))
        for (frame, kind) in zip(batch, try host.guestFrameKinds(of: domain, frames: batch)) { kinds[frame] = kind }
      }
      let absent = Set(kinds.filter { $0.value == .absent }.keys)
      var expected: Set<UInt64> = hole ? Set(0xA0..<0xC0) : []
      if sharedInfo { expected.insert(GuestMemory.hvmSharedInfoGFN) }
      XCTAssertEqual(absent, expected, "\(guest)")
      XCTAssertEqual(kinds.values.count { $0 == .ram }, SimulatedGuest.memoryPages - (sharedInfo ? 1 : 0), "\(guest)")
      XCTAssertFalse(kinds.values.contains(.broken), "\(guest)")
      for ring in [HVMParameter.storeFrame, .consoleFrame] {
        XCTAssertEqual(kinds[try host.hvmParameter(ring, of: domain)], .ram, "\(guest): \(ring)")
      }
      XCTAssertEqual(
        try host.guestFrameKinds(of: domain, frames: [maximum + 1, 0x10_0000, UInt64.max]), [.absent, .absent, .absent])
      XCTAssertEqual(
        try host.domainInfo(domain).sharedInfoFrame, sharedInfo ? GuestMemory.hvmSharedInfoGFN : UInt64.max,
        "\(guest): XEN_DOMCTL_getdomaininfo gives the gfn, INVALID_M2P_ENTRY when it is not mapped")
    }
  }

  func testAPVGuestsFramesAreItsMachineFramesAndItsSharedInfoIsXensPage() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let p2m = try HandDrivenToolstack(host: host).p2m(of: domain)
    XCTAssertEqual(try host.guestFrameKinds(of: domain, frames: p2m), Array(repeating: .ram, count: p2m.count))
    let sharedInfo = try host.domainInfo(domain).sharedInfoFrame
    XCTAssertEqual(try host.guestFrameKinds(of: domain, frames: [sharedInfo, 0, 17]), [.absent, .absent, .absent])
    XCTAssertEqual(try host.guestFrameKinds(of: .dom0, frames: [0, p2m[0]]), [.absent, .absent])
  }

  func testMoreThan1024FramesIsE2BIGAndAMissingDomainESRCHFirst() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvh())
    let limit = GuestFrameKind.batchLimit
    XCTAssertEqual(try host.guestFrameKinds(of: domain, frames: Array(0..<UInt64(limit))).count, limit)
    XCTAssertEqual(try host.guestFrameKinds(of: domain, frames: []), [])
    let tooMany = Array(0...UInt64(limit))
    assertXenError(.argListTooLong, try host.guestFrameKinds(of: domain, frames: tooMany))
    assertXenError(.noSuchProcess, try host.guestFrameKinds(of: DomainID(42), frames: tooMany))
    var pages: [UInt8] = []
    assertXenError(.argListTooLong, try host.readGuestFrames(of: domain, frames: tooMany, appendingTo: &pages))
    let tooManyPages = [UInt8](repeating: 0, count: tooMany.count * page)[...]
    assertXenError(.argListTooLong, try host.writeGuestFrames(of: domain, frames: tooMany, pages: tooManyPages))
    XCTAssertTrue(pages.isEmpty)
  }

  // MARK: Batched reads and writes

  func testABatchReadAppendsEachPageInOrderAsSingleFrameReadsSeeThem() throws {
    let host = SimulatedXenHost()
    for guest in [SimulatedGuest.pvh(), .pvhvm()] {
      let domain = host.createDomain(guest)
      let frames: [UInt64] = [GuestMemory.progressPFN, 0, 0xC0, GuestMemory.hvmSharedInfoGFN, 16]
      var pages: [UInt8] = [7]
      try host.readGuestFrames(of: domain, frames: frames, appendingTo: &pages)
      XCTAssertEqual(pages.count, 1 + frames.count * page)
      XCTAssertEqual(pages.first, 7, "appended, not replaced")
      for (index, frame) in frames.enumerated() {
        let single = try host.readGuestMemory(of: domain, frame: frame, offset: 0, count: page)
        XCTAssertEqual(Array(pages[(1 + index * page)..<(1 + (index + 1) * page)]), single, "\(guest): \(frame)")
      }
    }
  }

  func testABatchReadWithOneFrameThatDoesNotMapFailsWithItsErrnoNamingItAndAppendsNothing() throws {
    let host = SimulatedXenHost()
    let pvhvm = host.createDomain(.pvhvm())
    let pv = host.createDomain(.pv())
    let ownFrame = try HandDrivenToolstack(host: host).p2m(of: pv)[0]
    var pages: [UInt8] = [1, 2, 3]
    let hole = assertXenError(
      .invalidArgument, try host.readGuestFrames(of: pvhvm, frames: [0, 1, 0xA4, 2], appendingTo: &pages),
      "a frame in the VGA hole")
    XCTAssertTrue(hole?.hint?.contains("frame 0xa4 (entry 2 of 4)") ?? false, "\(hole.map(String.init) ?? "")")
    assertXenError(
      .notPermitted, try host.readGuestFrames(of: pv, frames: [ownFrame, 5], appendingTo: &pages),
      "a PFN where a PV guest's machine frame belongs")
    assertXenError(.notPermitted, try host.readGuestFrames(of: .dom0, frames: [0], appendingTo: &pages))
    assertXenError(.invalidArgument, try host.readGuestFrames(of: pvhvm, frames: [], appendingTo: &pages))
    assertXenError(.noSuchProcess, try host.readGuestFrames(of: DomainID(42), frames: [0], appendingTo: &pages))
    XCTAssertEqual(pages, [1, 2, 3])
    // The single-frame call keeps the same rule.
    assertXenError(.invalidArgument, try host.readGuestMemory(of: pvhvm, frame: 0xA4, offset: 0, count: 1))
  }

  func testABatchWriteWithOneBadFrameOrTheWrongSizeWritesNothing() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvhvm())
    let data: UInt64 = 0x30
    let before = try host.readGuestMemory(of: domain, frame: data, offset: 0, count: page)
    let pages = [UInt8](repeating: 0xAB, count: 2 * page)
    let failure = assertXenError(
      .invalidArgument, try host.writeGuestFrames(of: domain, frames: [data, 0xB0], pages: pages[...]))
    XCTAssertTrue(failure?.hint?.contains("nothing was written") ?? false)
    assertXenError(.invalidArgument, try host.writeGuestFrames(of: domain, frames: [data], pages: pages[...]))
    assertXenError(.invalidArgument, try host.writeGuestFrames(of: domain, frames: [data], pages: pages[1..<page]))
    XCTAssertEqual(try host.readGuestMemory(of: domain, frame: data, offset: 0, count: page), before)
    try host.writeGuestFrames(of: domain, frames: [data], pages: pages[page...])
    XCTAssertEqual(try host.readGuestMemory(of: domain, frame: data, offset: 0, count: page), Array(pages[page...]))
    assertHealthy(host, domain, "a page of data is the guest's to lose")
  }

  func testABatchWriteOverTheGuestsOwnStructuresCorruptsItAsASingleWriteDoes() throws {
    let host = SimulatedXenHost()
    let pvh = host.createDomain(.pvh())
    try host.writeGuestFrames(
      of: pvh, frames: [0x20, 3], pages: [UInt8](repeating: 0x5A, count: 2 * page)[...])
    assertCorrupted(host, pvh, saying: "changed the guest's kernel (its page tables and text) (frame")

    let pv = host.createDomain(.pv())
    let p2mPage = try HandDrivenToolstack(host: host).p2m(of: pv)[Int(GuestMemory.firstP2MPFN)]
    try host.writeGuestFrames(of: pv, frames: [p2mPage], pages: [UInt8](repeating: 0, count: page)[...])
    assertCorrupted(host, pv, saying: "changed the guest's p2m")
  }

  func testWritingBackWhatACaptureOfTheSameGuestReadLeavesItHealthyWhileAnotherGuestsMemoryCorruptsIt() throws {
    let host = SimulatedXenHost()
    let first = host.createDomain(.pvh(vcpus: 2))
    let second = host.createDomain(.pvh(vcpus: 2))
    let taken = try capture(first, on: host)
    XCTAssertEqual(taken.frames.count, SimulatedGuest.memoryPages - 3, "all RAM but the two rings and shared_info")
    try writeMemory(of: taken, into: first, on: host)
    assertHealthy(host, first, "its own bytes back")
    try writeMemory(of: taken, into: second, on: host)
    assertCorrupted(host, second, saying: "changed the guest's kernel")
  }

  // MARK: shared_info in an HVM container's map

  func testASoftResetPutsRAMAtTheSharedInfoFrameUntilTheGuestMapsItAgain() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvh(kernel: .linux))
    let frame = GuestMemory.hvmSharedInfoGFN
    XCTAssertNoThrow(try host.readGuestMemory(of: domain, frame: frame, offset: 0, count: 8), "Xen's page maps")
    try suspendAndPause(domain, on: host)
    try host.softResetDomain(domain)
    XCTAssertEqual(try host.guestFrameKinds(of: domain, frames: [frame]), [.ram])
    XCTAssertEqual(try host.domainInfo(domain).sharedInfoFrame, UInt64.max)
    try HandDrivenToolstack(host: host).rebuildAfterSoftReset(domain)
    try host.unpauseDomain(domain)
    XCTAssertEqual(try host.guestFrameKinds(of: domain, frames: [frame]), [.absent])
    XCTAssertEqual(try host.domainInfo(domain).sharedInfoFrame, frame)
    XCTAssertEqual(host.observations(of: domain).sharedInfoRegistrations, 1)
    assertHealthy(host, domain)
  }

  // MARK: HVM context

  func testTheContextHasAHeaderACPURecordPerVCPUWithItsRegistersAndAnEnd() throws {
    let host = SimulatedXenHost()
    let (domain, context) = try suspendedGuest(.pvh(vcpus: 2), on: host)
    let records = try HVMContextRecords(context)
    XCTAssertEqual(records.records.map(\.typeCode), [1, 2, 2, 0])
    XCTAssertEqual(records.vcpus, [0, 1])
    let header = records.records[0]
    XCTAssertEqual(header.length, 24, "sizeof(struct hvm_save_header)")
    XCTAssertEqual(word(context, at: header.dataOffset + 4, width: .bits32), 1, "HVM_FILE_VERSION")
    XCTAssertEqual(records.records[1].length, 1032, "sizeof(struct hvm_hw_cpu)")
    XCTAssertEqual(records.records.last?.length, 0)
    XCTAssertEqual(records.returnRegister(ofVCPU: 0, in: context), 0, "inside its suspend hypercall")
    for vcpu in [UInt16(0), 1] {
      let pvContext = try host.vcpuContext(of: domain, vcpu: UInt32(vcpu), width: .bits64)
      let record = records.records[1 + Int(vcpu)]
      XCTAssertEqual(records.returnRegister(ofVCPU: vcpu, in: context), pvContext.returnRegister)
      XCTAssertEqual(word(context, at: record.dataOffset + 536, width: .bits64), pvContext.startInfoFrame, "rdx")
      for (hvmOffset, pvOffset) in [(640, 648), (568, 672)] {
        XCTAssertEqual(
          word(context, at: record.dataOffset + hvmOffset, width: .bits64),
          word(pvContext.bytes, at: pvOffset, width: .bits64), "rip and rsp, as getvcpucontext shows them")
      }
    }
    // What a fast resume sets is what the next read shows.
    var pvContext = try host.vcpuContext(of: domain, vcpu: 0, width: .bits64)
    pvContext.returnRegister = 1
    try host.setVCPUContext(pvContext, of: domain, vcpu: 0)
    let after = try host.hvmContext(of: domain)
    XCTAssertEqual(try HVMContextRecords(after).returnRegister(ofVCPU: 0, in: after), 1)
  }

  func testGettingAndSettingTheSameContextChangesNothingAndSettingVCPU0sReturnValueResumesTheGuestCancelled() throws {
    for guest in [SimulatedGuest.pvh(vcpus: 2), .pvhvm(vcpus: 3)] {
      let host = SimulatedXenHost()
      let (domain, context) = try suspendedGuest(guest, on: host)
      try host.setHVMContext(context, of: domain)
      XCTAssertEqual(try host.hvmContext(of: domain), context, "\(guest)")
      try host.setHVMContext(
        try HVMContextRecords(context).settingReturnRegister(ofVCPU: 0, to: 1, in: context), of: domain)
      try host.unpauseDomain(domain)
      try host.resumeDomain(domain)
      let observations = host.observations(of: domain)
      XCTAssertEqual(observations.resumesCancelled, 1, "\(guest)")
      assertHealthy(host, domain, "\(guest)")
    }
  }

  func testContextsXenRefusesAndOnXen4_20NothingChanges() throws {
    let host = SimulatedXenHost(release: .xen4_20)
    let pv = host.createDomain(.pv())
    let (domain, context) = try suspendedGuest(.pvh(), on: host)
    assertXenError(.invalidArgument, try host.hvmContext(of: pv), "a PV domain")
    assertXenError(.invalidArgument, try host.setHVMContext(context, of: pv), "a PV domain")
    assertXenError(.invalidArgument, try host.hvmContext(of: .dom0))
    assertXenError(.invalidArgument, try host.setHVMContext(context, of: .dom0))
    assertXenError(.noSuchProcess, try host.hvmContext(of: DomainID(42)))
    assertXenError(.noSuchProcess, try host.setHVMContext(context, of: DomainID(42)))
    // The header's refusals first, then the records'.
    let refusals: [(Errno, [UInt8], String)] = [
      (.noData, [], "no HEADER record"),
      (.noData, Array(context.dropFirst(8)), "no HEADER first"),
      (.invalidArgument, try replacing(in: context, at: 8, with: [0x87, 0x12, 0x38, 0x54]), "the wrong magic"),
      (.invalidArgument, try replacing(in: context, at: 12, with: [2]), "version 2"),
      (.noData, Array(context.dropLast(8)), "no END record"),
      (.invalidArgument, try replacing(in: context, at: 32, with: [21]), "a typecode past HVM_SAVE_CODE_MAX"),
      (.invalidArgument, try replacing(in: context, at: 34, with: [1]), "a CPU record for vcpu 1 of 1"),
      (.invalidArgument, try changing(context, vcpu: 0, at: 656, to: [0]), "cr0 without ET"),
    ]
    for (errno, blob, reason) in refusals {
      assertXenError(errno, try host.setHVMContext(blob, of: domain), reason)
    }
    XCTAssertEqual(try host.hvmContext(of: domain), context)
    assertHealthy(host, domain)

    // Xen 4.17 checks the header before it takes the vcpus down: a context refused there changes nothing either.
    let older = SimulatedXenHost(release: .xen4_17)
    let suspended = older.createDomain(.pvh())
    try suspendAndPause(suspended, on: older)
    let before = try older.hvmContext(of: suspended)
    for (errno, blob, reason) in refusals.prefix(4) {
      assertXenError(errno, try older.setHVMContext(blob, of: suspended), reason)
    }
    XCTAssertEqual(try older.hvmContext(of: suspended), before)
    assertHealthy(older, suspended)
  }

  private func replacing(in context: [UInt8], at offset: Int, with bytes: [UInt8]) throws -> [UInt8] {
    var copy = context
    copy.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
    return copy
  }

  /// A new guest, suspended and paused, given its own context with vcpu 1's CPU record made vcpu 5's: EINVAL. Returns the
  /// context it had before.
  private func refuseARecordForVCPU5(
    of guest: SimulatedGuest, on host: SimulatedXenHost, file: StaticString = #filePath, line: UInt = #line
  ) throws -> (DomainID, [UInt8]) {
    let (domain, context) = try suspendedGuest(guest, on: host)
    let record = try HVMContextRecords(context).records[2]
    let foreign = try replacing(in: context, at: record.dataOffset - 6, with: [5])
    assertXenError(.invalidArgument, try host.setHVMContext(foreign, of: domain), file: file, line: line)
    return (domain, context)
  }

  func testACPURecordForAVCPUTheDomainDoesNotHaveIsEINVALAndOnXen4_20ChangesNothing() throws {
    let host = SimulatedXenHost(release: .xen4_20)
    let (domain, context) = try refuseARecordForVCPU5(of: .pvh(vcpus: 2), on: host)
    XCTAssertEqual(try host.hvmContext(of: domain), context)
    try host.unpauseDomain(domain)
    try HandDrivenToolstack(host: host).fastResume(domain)
    assertHealthy(host, domain)
  }

  func testOnXen4_17ARecordRefusedAfterTheHeaderLeavesTheRecordsBeforeLoadedAndTheOtherVCPUsDown() throws {
    let host = SimulatedXenHost(release: .xen4_17)
    let (domain, _) = try refuseARecordForVCPU5(of: .pvh(vcpus: 3), on: host)
    XCTAssertEqual(try HVMContextRecords(host.hvmContext(of: domain)).vcpus, [0], "vcpus 1 and 2 are down")
    assertHealthy(host, domain, "a secondary vcpu down while suspended is not fatal yet")
    try host.unpauseDomain(domain)
    try HandDrivenToolstack(host: host).fastResume(domain)
    assertCorrupted(host, domain, saying: "was reset before a cancelled resume")
  }

  func testAContextWithoutARecordForVCPU0LeavesItDownAndTheGuestDead() throws {
    let host = SimulatedXenHost()
    let (domain, context) = try suspendedGuest(.pvh(vcpus: 2), on: host)
    let records = try HVMContextRecords(context)
    let cpu0 = records.records[1]
    var withoutVCPU0 = Array(context[..<(cpu0.dataOffset - HVMContextRecords.descriptorSize)])
    withoutVCPU0 += context[(cpu0.dataOffset + cpu0.length)...]
    try host.setHVMContext(withoutVCPU0, of: domain)
    XCTAssertEqual(try HVMContextRecords(host.hvmContext(of: domain)).vcpus, [1])
    assertCorrupted(host, domain, saying: "vcpu 0 is down")
  }

  func testChangingRegistersOtherThanVCPU0sReturnValueCorruptsASuspendedGuest() throws {
    let host = SimulatedXenHost()
    let cases: [(vcpu: UInt16, offset: Int, bytes: [UInt8], failure: String)] = [
      (0, 520, [1], "registers no code of the guest ever held"),  // rbx
      (0, 536, [1], "registers other than the suspend hypercall's return value"),  // rdx
      (1, 512, [1], "registers other than the suspend hypercall's return value"),  // vcpu 1's rax
    ]
    for (vcpu, offset, bytes, failure) in cases {
      let (domain, context) = try suspendedGuest(.pvhvm(vcpus: 2), on: host)
      try host.setHVMContext(try changing(context, vcpu: vcpu, at: offset, to: bytes), of: domain)
      assertCorrupted(host, domain, saying: failure)
    }
  }

  func testSettingAContextOnARunningGuestIsLegalButItsRegistersMovedOnMeanwhile() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvh())
    let context = try host.hvmContext(of: domain)
    XCTAssertNotEqual(try host.hvmContext(of: domain), context, "a running guest's registers move on")
    try host.setHVMContext(context, of: domain)
    assertCorrupted(host, domain, saying: "replaced while the guest was running")
    XCTAssertEqual(host.domainState(of: domain), .running, "Xen paused it for the load only")
  }

  // MARK: A rewind, call by call

  func testARewindBringsTheGuestBackToItsCapturedStateHealthyAndItAnswersTheNextSuspend() throws {
    for release in SimulatedXenRelease.allCases {
      for guest in [SimulatedGuest.pvh(kernel: .linux), .pvh(vcpus: 2, kernel: .linux)] {
        let host = SimulatedXenHost(release: release)
        let toolstack = HandDrivenToolstack(host: host)
        let domain = host.createDomain(guest)
        try suspendAndPause(domain, on: host)
        let taken = try capture(domain, on: host)
        try host.unpauseDomain(domain)
        XCTAssertEqual(host.observations(of: domain).suspendsRemembered, 1)

        // It runs on: its memory and registers move on, to a second suspend.
        try toolstack.fastResume(domain)
        try toolstack.finishResume(domain)
        try suspendAndPause(domain, on: host)
        XCTAssertEqual(host.observations(of: domain).suspendsRemembered, 2)
        XCTAssertNotEqual(try capture(domain, on: host).memory, taken.memory)

        try writeMemory(of: taken, into: domain, on: host)
        try host.setHVMContext(try resumingAsNewDomain(taken.context), of: domain)
        XCTAssertEqual(try capture(domain, on: host).memory, taken.memory, "\(guest) on \(release)")
        try softResetResume(domain, on: host)

        var observations = host.observations(of: domain)
        assertHealthy(host, domain, "\(guest) on \(release)")
        XCTAssertEqual(observations.suspendsRemembered, 1, "back to what it remembered at the capture")
        XCTAssertEqual(observations.suspendsCompleted, 2, "what happened, counted from outside")
        XCTAssertEqual(observations.resumesAsNewDomain, 1)
        XCTAssertEqual(observations.phase, .running)
        XCTAssertTrue(observations.xenstoreConnected)
        XCTAssertTrue(observations.consoleConnected)
        XCTAssertEqual(host.domainState(of: domain), .running)

        try toolstack.requestSuspend(domain)
        XCTAssertTrue(try host.domainInfo(domain).isSuspended)
        try toolstack.fastResume(domain)
        observations = host.observations(of: domain)
        assertHealthy(host, domain, "\(guest) on \(release)")
        XCTAssertEqual(observations.suspendsCompleted, 3)
        XCTAssertEqual(observations.suspendsRemembered, 2)
        XCTAssertEqual(observations.resumesCancelled, 2)
      }
    }
  }

  func testRewindingTheMemoryWithoutTheRegistersOrTheOtherWayRoundCorruptsTheGuestWhenItRuns() throws {
    for rewindsMemory in [true, false] {
      let host = SimulatedXenHost()
      let toolstack = HandDrivenToolstack(host: host)
      let domain = host.createDomain(.pvh(vcpus: 2, kernel: .linux))
      try toolstack.requestSuspend(domain)
      let taken = try capture(domain, on: host)
      try toolstack.fastResume(domain)
      try toolstack.finishResume(domain)
      try suspendAndPause(domain, on: host)
      if rewindsMemory {
        try writeMemory(of: taken, into: domain, on: host)
      } else {
        try host.setHVMContext(try resumingAsNewDomain(taken.context), of: domain)
      }
      assertHealthy(host, domain, "nothing is wrong until it runs")
      try softResetResume(domain, on: host)
      assertCorrupted(host, domain, saying: "registers that do not belong with its memory")
    }
  }

  func testRewindingAGuestToAnotherGuestsCaptureCorruptsIt() throws {
    let host = SimulatedXenHost()
    let first = host.createDomain(.pvh(kernel: .linux))
    let second = host.createDomain(.pvh(kernel: .linux))
    try suspendAndPause(first, on: host)
    let taken = try capture(first, on: host)
    try suspendAndPause(second, on: host)
    try writeMemory(of: taken, into: second, on: host)
    try host.setHVMContext(try resumingAsNewDomain(taken.context), of: second)
    try softResetResume(second, on: host)
    assertCorrupted(host, second, saying: "changed the guest's kernel")
  }

  // MARK: Tracing and faults

  func testTheCallsAreTracedAndAnInjectedFaultFailsThemBeforeAnyEffect() throws {
    let host = SimulatedXenHost()
    let (domain, context) = try suspendedGuest(.pvh(), on: host)
    let data: UInt64 = 0x14
    let pages = [UInt8](repeating: 0xEE, count: page)
    let operations: [XenHostOperation] = [
      .maximumGuestFrame, .guestFrameKinds, .readGuestFrames, .writeGuestFrames, .hvmContext, .setHVMContext,
    ]
    for operation in operations { host.injectFault(operation, errno: .ioError, domain: domain) }
    var read: [UInt8] = []
    assertXenError(.ioError, try host.maximumGuestFrame(of: domain))
    assertXenError(.ioError, try host.guestFrameKinds(of: domain, frames: [data]))
    assertXenError(.ioError, try host.readGuestFrames(of: domain, frames: [data], appendingTo: &read))
    assertXenError(.ioError, try host.writeGuestFrames(of: domain, frames: [data], pages: pages[...]))
    assertXenError(.ioError, try host.hvmContext(of: domain))
    let cancelled = try HVMContextRecords(context).settingReturnRegister(ofVCPU: 0, to: 1, in: context)
    assertXenError(.ioError, try host.setHVMContext(cancelled, of: domain))
    XCTAssertEqual(host.pendingFaultCount, 0)
    XCTAssertTrue(read.isEmpty)
    XCTAssertNotEqual(try host.readGuestMemory(of: domain, frame: data, offset: 0, count: page), pages)
    XCTAssertEqual(try host.hvmContext(of: domain), context)

    host.clearTrace()
    _ = try host.maximumGuestFrame(of: domain)
    _ = try host.guestFrameKinds(of: domain, frames: [16, 17, GuestMemory.hvmSharedInfoGFN])
    try host.readGuestFrames(of: domain, frames: [GuestMemory.progressPFN], appendingTo: &read)
    try host.writeGuestFrames(of: domain, frames: [data], pages: pages[...])
    _ = try host.hvmContext(of: domain)
    try host.setHVMContext(context, of: domain)
    assertXenError(.invalidArgument, try host.readGuestFrames(of: domain, frames: [0x200], appendingTo: &read))
    let lines = host.trace.map { $0.description.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "" }
    XCTAssertEqual(
      lines,
      [
        "xc_domain_maximum_gpfn(domain \(domain)) -> ok: 255",
        "xc_domctl(XEN_DOMCTL_getpageframeinfo3)(domain \(domain)) 3 frames 0x10…0x13 -> ok: 2 RAM, 1 absent, 0 broken",
        "xenforeignmemory_map(PROT_READ, batch)(domain \(domain)) 1 frame 0x12 -> ok: 4096 bytes",
        "xenforeignmemory_map(PROT_WRITE, batch)(domain \(domain)) 1 frame 0x14 -> ok",
        "xc_domain_hvm_getcontext(domain \(domain)) -> ok: 1080 bytes",
        "xc_domain_hvm_setcontext(domain \(domain)) 1080 bytes -> ok",
        "xenforeignmemory_map(PROT_READ, batch)(domain \(domain)) 1 frame 0x200 -> failed: \(Errno.invalidArgument)",
      ])
  }
}
