import XCTest

@_spi(XenHostBackends) @testable import XenResumeCore

final class DomainInfoTests: XCTestCase {
  func testShutdownReasonIsDecodedFromTheFlagsWordOnlyWhenTheShutdownBitIsSet() {
    let suspended = DomainInfo(domain: 7, flags: [.shutdown(code: 2), .hvmGuest])
    XCTAssertEqual(suspended.shutdownReason, .suspend)
    XCTAssertTrue(suspended.isSuspended)
    XCTAssertTrue(suspended.isHVM)

    // Xen fills bits 16–23 with 255 while a domain runs: that is no reason at all.
    let running = DomainInfo(domain: 7, flags: DomainInfo.Flags(rawValue: 0xFF << 16))
    XCTAssertNil(running.shutdownReason)
    XCTAssertFalse(running.isSuspended)
    XCTAssertEqual(DomainState(running), .running)

    // A stale reason code without the shutdown bit is ignored too.
    let stale = DomainInfo(domain: 7, flags: DomainInfo.Flags(rawValue: 3 << 16))
    XCTAssertNil(stale.shutdownReason)
  }

  func testEveryReasonCodeXenDefinesDecodes() {
    for reason in ShutdownReason.allCases {
      let info = DomainInfo(domain: 3, flags: .shutdown(code: reason.rawValue))
      XCTAssertEqual(info.shutdownReason, reason)
      XCTAssertEqual(info.flags.rawShutdownCode, reason.rawValue)
      XCTAssertEqual(DomainState(info), .shutDown(reason))
    }
    let unknown = DomainInfo(domain: 3, flags: .shutdown(code: 9))
    XCTAssertTrue(unknown.isShutdown)
    XCTAssertNil(unknown.shutdownReason)
    XCTAssertEqual(DomainState(unknown), .shutDown(nil))
  }

  func testFlagBitsMatchXensNumbering() {
    XCTAssertEqual(DomainInfo.Flags.dying.rawValue, 1 << 0)
    XCTAssertEqual(DomainInfo.Flags.hvmGuest.rawValue, 1 << 1)
    XCTAssertEqual(DomainInfo.Flags.shutdown.rawValue, 1 << 2)
    XCTAssertEqual(DomainInfo.Flags.paused.rawValue, 1 << 3)
    let paused = DomainInfo(domain: 1, flags: [.paused, DomainInfo.Flags(rawValue: 0xFF << 16)])
    XCTAssertEqual(DomainState(paused), .paused)
    let dying = DomainInfo(domain: 1, flags: [.dying, .shutdown(code: 0)])
    XCTAssertEqual(DomainState(dying), .dying)
  }

  func testPVHContainersAreRecognisedByTheirEmulationFlags() {
    let pvh = DomainInfo(domain: 4, flags: .hvmGuest, emulationFlags: 1)
    XCTAssertTrue(pvh.isPVHContainer)
    let hvm = DomainInfo(domain: 4, flags: .hvmGuest, emulationFlags: 0x17F)
    XCTAssertFalse(hvm.isPVHContainer)
    let pv = DomainInfo(domain: 4, flags: [], emulationFlags: 1)
    XCTAssertFalse(pv.isPVHContainer)
  }

  func testVCPUCountAndDescription() {
    let info = DomainInfo(domain: 9, flags: [.shutdown(code: 2), .hvmGuest], maxVCPUID: 3)
    XCTAssertEqual(info.vcpuCount, 4)
    XCTAssertEqual(info.description, "domain 9: shutdown(suspend), hvm, 4 vcpus")
  }
}

final class ModelValueTests: XCTestCase {
  func testDomainIDParsesPrintsAndOrders() {
    let domain: DomainID = 7
    XCTAssertEqual(domain.description, "7")
    XCTAssertEqual(DomainID("12"), DomainID(12))
    XCTAssertNil(DomainID("-1"))
    XCTAssertNil(DomainID("seven"))
    XCTAssertLessThan(DomainID(1), DomainID(2))
  }

  func testGuestWidthFromXenByteCounts() {
    XCTAssertEqual(GuestWidth(bytes: 4), .bits32)
    XCTAssertEqual(GuestWidth(bytes: 8), .bits64)
    XCTAssertNil(GuestWidth(bytes: 2))
    XCTAssertEqual(GuestWidth.bits32.bytes, 4)
  }

  func testGuestTypeTraits() {
    XCTAssertFalse(GuestType.pv.isHVMContainer)
    XCTAssertTrue(GuestType.pvh.isHVMContainer)
    XCTAssertFalse(GuestType.hvm.isPVAware)
    XCTAssertTrue(GuestType.pvhvm.isPVAware)
    XCTAssertEqual(GuestType.pvhvm.description, "PVHVM")
  }

  func testVCPUContextRegistersLandAtEachWidthsOffsets() {
    for width in GuestWidth.allCases {
      var context = VCPUContext(zeroedFor: width)
      XCTAssertEqual(context.bytes.count, GuestLayout.vcpuContextSize(width))
      context.returnRegister = 1
      context.startInfoFrame = 0x1234_5678
      let returnOffset = GuestLayout.returnRegisterOffset(width)
      XCTAssertEqual(context.bytes[returnOffset], 1)
      XCTAssertEqual(context.bytes[returnOffset + 1..<returnOffset + width.bytes].reduce(0, |), 0)
      let frameOffset = GuestLayout.startInfoRegisterOffset(width)
      XCTAssertEqual(Array(context.bytes[frameOffset..<frameOffset + 4]), [0x78, 0x56, 0x34, 0x12])
      XCTAssertEqual(context.returnRegister, 1)
      XCTAssertEqual(context.startInfoFrame, 0x1234_5678)
      // Nothing else changed.
      XCTAssertEqual(context.bytes.reduce(0) { $0 + Int($1) }, 1 + 0x78 + 0x56 + 0x34 + 0x12)
    }
  }

  func testA32BitRegisterKeepsOnlyTheLowWord() {
    var context = VCPUContext(zeroedFor: .bits32)
    context.returnRegister = 0x1_0000_0001
    XCTAssertEqual(context.returnRegister, 1)
  }

  func testContextBytesOfTheWrongSizeAreRejected() {
    XCTAssertNil(VCPUContext(width: .bits64, bytes: [UInt8](repeating: 0, count: 2800)))
    XCTAssertNotNil(VCPUContext(width: .bits32, bytes: [UInt8](repeating: 0, count: 2800)))
  }

  func testXenCallErrorNamesTheCallTheDomainAndTheErrno() {
    let error = XenCallError(.domainInfo, domain: 7, errno: .noSuchProcess, hint: "is the domain gone?")
    XCTAssertEqual(error.call, "xc_domain_getinfolist")
    XCTAssertTrue(error.description.hasPrefix("xc_domain_getinfolist(domain 7) failed: "))
    XCTAssertTrue(error.description.contains("errno 3"))
    XCTAssertTrue(error.description.hasSuffix("is the domain gone?"))
  }

  func testEveryOperationHasADistinctCName() {
    let names = XenHostOperation.allCases.map(\.rawValue)
    XCTAssertEqual(Set(names).count, names.count)
    for (index, operation) in XenHostOperation.allCases.enumerated() {
      XCTAssertEqual(operation.ordinal, index)
    }
  }
}
