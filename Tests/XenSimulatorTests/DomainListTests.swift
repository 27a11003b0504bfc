import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

/// `domains()`: the listing `xl list` makes, and the names libxl writes that a listing is read with.
final class DomainListTests: XCTestCase {
  func testTheListHoldsDomainZeroAndEveryGuestInIDOrderAsDomainInfoDescribesThem() throws {
    let host = SimulatedXenHost()
    let pv = host.createDomain(.pv())
    let hvm = host.createDomain(.hvm())
    let pvh = host.createDomain(.pvh())
    try host.destroyDomain(hvm)
    let listed = try host.domains()
    XCTAssertEqual(listed.map(\.domain), [.dom0, pv, pvh])
    for info in listed {
      let single = try host.domainInfo(info.domain)
      XCTAssertEqual(info.flags, single.flags, "\(info.domain)")
      XCTAssertEqual(info.maxVCPUID, single.maxVCPUID, "\(info.domain)")
      XCTAssertEqual(info.handle, single.handle, "\(info.domain)")
    }
  }

  func testADyingDomainIsListedUntilItIsGone() throws {
    let host = SimulatedXenHost()
    let guest = host.createDomain(.pv())
    try host.destroyDomain(guest, lingering: true)
    XCTAssertEqual(try host.domains().last?.isDying, true, "Xen still lists a domain whose pages are held")
    try host.destroyDomain(guest)
    XCTAssertEqual(try host.domains().map(\.domain), [.dom0])
  }

  func testTheListIsOneTracedCall() throws {
    let host = SimulatedXenHost()
    host.createDomain(.pv())
    _ = try host.domains()
    let trace = host.trace
    XCTAssertEqual(trace.map(\.operation), [.domainList])
    XCTAssertEqual(trace.first?.outcome, .succeeded(.domainList([.dom0, 1])))
    XCTAssertTrue(trace.first?.description.contains("xc_domain_getinfolist(all)") == true, "\(trace)")
  }

  func testAnInjectedFaultFailsTheListingOnce() throws {
    let host = SimulatedXenHost()
    host.createDomain(.pv())
    host.injectFault(.domainList, errno: .notPermitted)
    let error = assertXenError(.notPermitted, try host.domains())
    XCTAssertEqual(error?.call, "xc_domain_getinfolist(all)")
    XCTAssertNil(error?.domain)
    XCTAssertEqual(host.trace.last?.outcome, .failed(.notPermitted, injected: true))
    XCTAssertEqual(try host.domains().count, 2, "the fault was used up")
  }

  func testAFaultOnDomainInfoLeavesTheListingAlone() throws {
    let host = SimulatedXenHost()
    host.injectFault(.domainInfo, errno: .ioError)
    XCTAssertEqual(try host.domains().map(\.domain), [.dom0])
    assertXenError(.ioError, try host.domainInfo(.dom0))
  }

  func testNamesAreWrittenAsLibxlWritesThem() throws {
    let host = SimulatedXenHost()
    let named = host.createDomain(.pv(), name: "web1")
    let unnamed = host.createDomain(.hvm())
    XCTAssertEqual(try host.read("/local/domain/0/name"), "Domain-0")
    XCTAssertEqual(try host.read(XenStorePath.home(of: named) + "/name"), "web1")
    XCTAssertEqual(try host.read(XenStorePath.home(of: unnamed) + "/name"), "simulated-\(unnamed.rawValue)")
    let twin = host.createDomain(.pvh(), name: "web1")
    XCTAssertEqual(try host.read(XenStorePath.home(of: twin) + "/name"), "web1", "the simulator does not refuse twins")
  }
}
