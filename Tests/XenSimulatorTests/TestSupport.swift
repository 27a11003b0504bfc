import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// Asserts that an expression throws `XenCallError` with the errno, and returns the error.
@discardableResult
func assertXenError<T>(
  _ errno: Errno,
  _ expression: @autoclosure () throws -> T,
  _ message: String = "",
  file: StaticString = #filePath,
  line: UInt = #line
) -> XenCallError? {
  do {
    let value = try expression()
    XCTFail("expected errno \(errno), got \(value) \(message)", file: file, line: line)
    return nil
  } catch let error as XenCallError {
    XCTAssertEqual(error.errno, errno, "\(error) \(message)", file: file, line: line)
    return error
  } catch {
    XCTFail("expected XenCallError with \(errno), got \(error) \(message)", file: file, line: line)
    return nil
  }
}

/// Reads a guest-width word from raw bytes.
func word(_ bytes: [UInt8], at offset: Int, width: GuestWidth) -> UInt64 {
  bytes.withUnsafeBytes { GuestMemoryWord.load(from: $0, at: offset, width: width) }
}

/// Polls a condition, yielding, until it holds or a real-time limit passes: for reactions that run on another task
/// after a test clock advanced. The limit only bounds a test that fails; it is long so that a loaded machine (CI's
/// two cores under a parallel build) never fails one that would pass.
func eventually(_ condition: () -> Bool, within limit: Duration = .seconds(30)) async -> Bool {
  let deadline = ContinuousClock.now + limit
  while !condition() {
    if ContinuousClock.now > deadline { return false }
    await Task.yield()
    try? await Task.sleep(for: .milliseconds(1))
  }
  return true
}

/// The toolstack's side of a suspend/resume cycle, written call by call the way libxl and libxenguest make them,
/// so that the tests do not depend on the library's own controller.
struct HandDrivenToolstack {
  let host: SimulatedXenHost

  /// The xenstore control node path: write "suspend" (guests react synchronously by default).
  func requestSuspend(_ domain: DomainID) throws {
    try host.write(XenStorePath.controlShutdown(of: domain), value: "suspend")
  }

  /// `xc_domain_resume(fast=1)`: set vcpu0's return register to 1 (unless an HVM guest without PV drivers), then
  /// `XEN_DOMCTL_resumedomain`.
  func fastResume(_ domain: DomainID) throws {
    let info = try host.domainInfo(domain)
    let width: GuestWidth
    if info.isHVM {
      if try host.hvmParameter(.callbackIRQ, of: domain) == 0 {
        try host.resumeDomain(domain)
        return
      }
      width = try host.hostWidth()
    } else {
      width = try host.guestWidth(of: domain)
    }
    var context = try host.vcpuContext(of: domain, vcpu: 0, width: width)
    context.returnRegister = 1
    try host.setVCPUContext(context, of: domain, vcpu: 0)
    try host.resumeDomain(domain)
  }

  /// The guest's p2m, found as libxenguest finds it: shared_info → frame-list-list → frame list → p2m pages.
  func p2m(of domain: DomainID) throws -> [UInt64] {
    let info = try host.domainInfo(domain)
    let width = try host.guestWidth(of: domain)
    let page = GuestLayout.pageSize
    let sharedInfo = try host.readGuestMemory(of: domain, frame: info.sharedInfoFrame, offset: 0, count: page)
    let maxPFN = Int(word(sharedInfo, at: GuestLayout.sharedInfoMaxPFNOffset(width), width: width))
    let frameListList = word(sharedInfo, at: GuestLayout.sharedInfoFrameListListOffset(width), width: width)
    let perPage = GuestLayout.framesPerPage(width)
    let p2mPages = (maxPFN + perPage - 1) / perPage
    let frameListListPage = try host.readGuestMemory(of: domain, frame: frameListList, offset: 0, count: page)
    let frameList = word(frameListListPage, at: 0, width: width)
    let frameListPage = try host.readGuestMemory(of: domain, frame: frameList, offset: 0, count: page)
    var p2m: [UInt64] = []
    for index in 0..<p2mPages {
      let frame = word(frameListPage, at: index * width.bytes, width: width)
      let p2mPage = try host.readGuestMemory(of: domain, frame: frame, offset: 0, count: page)
      for entry in 0..<perPage where p2m.count < maxPFN {
        p2m.append(word(p2mPage, at: entry * width.bytes, width: width))
      }
    }
    return p2m
  }

  /// `xc_domain_resume(fast=0)` for a PV guest (`xc_domain_resume_any`), with switches to leave steps out.
  func slowResumePV(_ domain: DomainID, translateStartInfo: Bool = true, resetSecondaryVCPUs: Bool = true) throws {
    let info = try host.domainInfo(domain)
    let width = try host.guestWidth(of: domain)
    let p2m = try p2m(of: domain)
    let context = try host.vcpuContext(of: domain, vcpu: 0, width: width)
    let startInfoFrame = context.startInfoFrame
    let startInfo = try host.readGuestMemory(
      of: domain, frame: startInfoFrame, offset: 0, count: GuestLayout.pageSize)
    if translateStartInfo {
      for offset in [GuestLayout.startInfoStoreFrameOffset(width), GuestLayout.startInfoConsoleFrameOffset(width)] {
        let pfn = Int(word(startInfo, at: offset, width: width))
        try host.writeGuestMemory(
          of: domain, frame: startInfoFrame, offset: offset, bytes: GuestMemoryWord.bytes(of: p2m[pfn], width: width))
      }
    }
    if resetSecondaryVCPUs, info.maxVCPUID > 0 {
      for vcpu in 1...info.maxVCPUID { try host.resetVCPU(of: domain, vcpu: vcpu) }
    }
    try host.resumeDomain(domain)
  }

  /// What a domain builder gives the guest again after a soft reset: new xenstore and console ports named in the
  /// HVM parameters, xenstored bound to the first (XS_INTRODUCE), xenconsoled to the second (`console/port`),
  /// XS_RESUME. Leaves the domain paused.
  func rebuildAfterSoftReset(_ domain: DomainID, introduce: Bool = true) throws {
    let storePort = try host.allocateUnboundEventChannel(in: domain, remote: .dom0)
    try host.setHVMParameter(.storeEventChannel, of: domain, to: UInt64(storePort.rawValue))
    let consolePort = try host.allocateUnboundEventChannel(in: domain, remote: .dom0)
    try host.setHVMParameter(.consoleEventChannel, of: domain, to: UInt64(consolePort.rawValue))
    if introduce {
      let storeFrame = try host.hvmParameter(.storeFrame, of: domain)
      try host.introduceDomain(domain, storeFrame: storeFrame, storePort: storePort)
    }
    try host.write(XenStorePath.consolePort(of: domain), value: String(consolePort.rawValue))
    try host.resumeDomainInXenStore(domain)
  }

  /// XS_RESUME after either resume.
  func finishResume(_ domain: DomainID) throws {
    try host.resumeDomainInXenStore(domain)
  }

  /// A whole fast cycle through xenstore.
  func fastCycle(_ domain: DomainID) throws {
    try requestSuspend(domain)
    try fastResume(domain)
    try finishResume(domain)
  }

  /// Registers a watch and reads its registration event.
  func watch(_ path: String) async throws -> XenStoreWatchID {
    let watch = try host.watch(path)
    let first = try await host.nextWatchEvent(watch)
    XCTAssertEqual(first, path)
    return watch
  }
}
