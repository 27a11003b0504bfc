import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

final class VCPUContextTests: XCTestCase {
  func testGettingAContextWorksOnARunningDomainWhoseRegistersMoveOn() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let first = try host.vcpuContext(of: domain, vcpu: 0, width: .bits64)
    let second = try host.vcpuContext(of: domain, vcpu: 0, width: .bits64)
    XCTAssertNotEqual(first, second, "a running guest's registers change between two reads")
    XCTAssertTrue(host.observations(of: domain).isHealthy)
  }

  func testSettingAContextOnARunningDomainCorruptsTheGuest() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let context = try host.vcpuContext(of: domain, vcpu: 0, width: .bits64)
    try host.setVCPUContext(context, of: domain, vcpu: 0)
    let guest = host.observations(of: domain)
    XCTAssertFalse(guest.isHealthy)
    XCTAssertEqual(guest.failure, "vcpu 0's context was replaced while the guest was running")
  }

  func testACooperativePVSuspendLeavesZeroInRAXAndTheStartInfoMachineFrameInRDX() throws {
    for width in GuestWidth.allCases {
      let host = SimulatedXenHost()
      let domain = host.createDomain(.pv(width: width))
      try HandDrivenToolstack(host: host).requestSuspend(domain)
      let context = try host.vcpuContext(of: domain, vcpu: 0, width: width)
      XCTAssertEqual(context.width, width)
      XCTAssertEqual(context.bytes.count, GuestLayout.vcpuContextSize(width))
      XCTAssertEqual(context.returnRegister, 0)
      let startInfo = try host.readGuestMemory(of: domain, frame: context.startInfoFrame, offset: 0, count: 7)
      XCTAssertEqual(String(decoding: startInfo, as: UTF8.self), "xen-3.0", "\(width)")
      XCTAssertLessThan(
        UInt64(SimulatedGuest.memoryPages), context.startInfoFrame, "rdx holds a machine frame, not a PFN")
    }
  }

  func testHVMContainersSuspendInTheHostWidthWithoutAStartInfoFrame() throws {
    let host = SimulatedXenHost()
    for guest in [SimulatedGuest.pvhvm(), .pvh()] {
      let domain = host.createDomain(guest)
      try HandDrivenToolstack(host: host).requestSuspend(domain)
      let context = try host.vcpuContext(of: domain, vcpu: 0, width: try host.hostWidth())
      XCTAssertEqual(context.returnRegister, 0)
      XCTAssertEqual(context.startInfoFrame, 0)
    }
  }

  func testChangingAnyOtherRegisterOfASuspendedGuestCorruptsIt() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    try HandDrivenToolstack(host: host).requestSuspend(domain)
    var context = try host.vcpuContext(of: domain, vcpu: 0, width: .bits64)
    context.startInfoFrame = 0
    try host.setVCPUContext(context, of: domain, vcpu: 0)
    let guest = host.observations(of: domain)
    XCTAssertFalse(guest.isHealthy)
    XCTAssertTrue(guest.failure?.hasPrefix("vcpu 0 registers other than the suspend hypercall's return value") == true)
  }

  func testSettingTheUnchangedContextOfASuspendedGuestIsHarmless() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(vcpus: 2))
    try HandDrivenToolstack(host: host).requestSuspend(domain)
    for vcpu: UInt32 in [0, 1] {
      let context = try host.vcpuContext(of: domain, vcpu: vcpu, width: .bits64)
      try host.setVCPUContext(context, of: domain, vcpu: vcpu)
    }
    XCTAssertTrue(host.observations(of: domain).isHealthy)
  }

  func testWritingAContextInTheWrongWidthCorruptsA32BitGuest() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(width: .bits32))
    try HandDrivenToolstack(host: host).requestSuspend(domain)
    var context = try host.vcpuContext(of: domain, vcpu: 0, width: .bits64)
    XCTAssertEqual(context.bytes.count, GuestLayout.vcpuContextSize(.bits64))
    context.returnRegister = 1
    try host.setVCPUContext(context, of: domain, vcpu: 0)
    try host.resumeDomain(domain)
    let guest = host.observations(of: domain)
    XCTAssertFalse(guest.isHealthy)
    XCTAssertEqual(guest.resumesCancelled, 0, "eax was never set: the 64-bit offset of rax is another 32-bit field")
  }

  func testVCPUsPastTheLastAndDomainZerosOwnVCPUAreEINVAL() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(vcpus: 2))
    assertXenError(.invalidArgument, try host.vcpuContext(of: domain, vcpu: 2, width: .bits64))
    assertXenError(.invalidArgument, try host.resetVCPU(of: domain, vcpu: 2))
    assertXenError(
      .invalidArgument, try host.setVCPUContext(VCPUContext(zeroedFor: .bits64), of: domain, vcpu: 5))
    assertXenError(.invalidArgument, try host.vcpuContext(of: .dom0, vcpu: 0, width: .bits64))
    assertXenError(.invalidArgument, try host.resetVCPU(of: .dom0, vcpu: 0))
  }

  func testResettingASecondaryVCPUOfASuspendedGuestTakesItDownHarmlessly() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(vcpus: 3))
    try HandDrivenToolstack(host: host).requestSuspend(domain)
    try host.resetVCPU(of: domain, vcpu: 2)
    assertXenError(.noData, try host.vcpuContext(of: domain, vcpu: 2, width: .bits64))
    XCTAssertNoThrow(try host.vcpuContext(of: domain, vcpu: 1, width: .bits64))
    XCTAssertTrue(host.observations(of: domain).isHealthy)
  }

  func testResettingVCPU0OfASuspendedGuestCorruptsIt() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(vcpus: 2))
    try HandDrivenToolstack(host: host).requestSuspend(domain)
    try host.resetVCPU(of: domain, vcpu: 0)
    XCTAssertEqual(
      host.observations(of: domain).failure,
      "vcpu 0 was reset while the guest was shut down: it can never return to its code")
  }

  func testResettingAVCPUOfARunningGuestCorruptsIt() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pvhvm(vcpus: 2))
    try host.resetVCPU(of: domain, vcpu: 1)
    XCTAssertEqual(host.observations(of: domain).failure, "vcpu 1 was reset while the guest was running")
  }

  func testAResetVCPUIsBroughtUpAgainByAGuestResumedAsANewDomain() throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pv(vcpus: 2))
    try toolstack.requestSuspend(domain)
    try toolstack.slowResumePV(domain)
    XCTAssertNoThrow(try host.vcpuContext(of: domain, vcpu: 1, width: .bits64))
    XCTAssertTrue(host.observations(of: domain).isHealthy)
  }
}
