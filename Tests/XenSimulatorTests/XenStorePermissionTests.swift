import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore
import XenSimulator

final class XenStorePermissionTests: XCTestCase {
  func testTheHomeIsCreatedAsLibxlDoesWithGuestOwnedControlNodes() throws {
    let host = SimulatedXenHost()
    let pv = host.createDomain(.pv())
    let hvm = host.createDomain(.hvm())
    let home = XenStorePath.home(of: pv)
    XCTAssertEqual(
      host.xenStorePermissions(of: home + "/control"),
      [XenStorePermission(domain: .dom0, access: .none), XenStorePermission(domain: pv, access: .read)])
    XCTAssertEqual(
      host.xenStorePermissions(of: XenStorePath.controlShutdown(of: pv)),
      [XenStorePermission(domain: pv, access: .none)])
    XCTAssertEqual(try host.read(XenStorePath.controlShutdown(of: pv)), "")
    XCTAssertEqual(try host.read(XenStorePath.featureSuspend(of: pv)), "1", "a PV-aware guest announces it")
    XCTAssertEqual(try host.read(XenStorePath.featureSuspend(of: hvm)), "", "created empty, never answered")
    XCTAssertEqual(try host.read(XenStorePath.suspendEventChannel(of: pv)), "", "empty: no channel")
    XCTAssertEqual(try host.read(home + "/domid"), String(pv.rawValue))
    XCTAssertEqual(try host.read("/local/domain/0/domid"), "0")
  }

  func testDomainZeroMayDoAnything() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    let path = XenStorePath.controlShutdown(of: domain)
    try host.setPermissions(path, [XenStorePermission(domain: domain, access: .none)], transaction: .none)
    try host.write(path, value: "poweroff-not-really")
    XCTAssertEqual(try host.read(path), "poweroff-not-really")
    try host.remove(path)
    XCTAssertNil(try host.read(path))
  }

  func testAGuestMayWriteOnlyNodesItOwnsOrIsGrantedAndReadOnlyWhatItMayRead() throws {
    let host = SimulatedXenHost()
    let guest = host.createDomain(.pv(behaviour: .ignoresSuspendRequest))
    let other = host.createDomain(.pv())
    try host.writeAsGuest("control/shutdown", value: "", domain: guest)
    assertXenError(.permissionDenied, try host.writeAsGuest("control/extra", value: "x", domain: guest))
    assertXenError(.permissionDenied, try host.writeAsGuest("name", value: "renamed", domain: guest))
    assertXenError(
      .permissionDenied,
      try host.writeAsGuest(XenStorePath.controlShutdown(of: other), value: "suspend", domain: guest))
    assertXenError(.permissionDenied, try host.readAsGuest(XenStorePath.home(of: other) + "/name", domain: guest))
    assertXenError(
      .permissionDenied, try host.readAsGuest(XenStorePath.home(of: other) + "/missing", domain: guest),
      "a missing node under an unreadable parent does not give itself away")
    XCTAssertEqual(try host.readAsGuest("name", domain: guest), "simulated-\(guest.rawValue)")

    try host.setPermissions(
      XenStorePath.home(of: other) + "/name",
      [XenStorePermission(domain: .dom0, access: .none), XenStorePermission(domain: guest, access: .readWrite)],
      transaction: .none)
    try host.writeAsGuest(XenStorePath.home(of: other) + "/name", value: "granted", domain: guest)
    XCTAssertEqual(try host.read(XenStorePath.home(of: other) + "/name"), "granted")
  }

  func testAGuestOwnsWhatItCreatesAndCannotGiveItAway() throws {
    let host = SimulatedXenHost()
    let guest = host.createDomain(.pv())
    try host.writeAsGuest("device/extra/value", value: "1", domain: guest)
    let path = XenStorePath.home(of: guest) + "/device/extra/value"
    XCTAssertEqual(host.xenStorePermissions(of: path)?.first?.domain, guest)
    XCTAssertEqual(host.xenStorePermissions(of: XenStorePath.home(of: guest) + "/device/extra")?.first?.domain, guest)
  }

  func testReCreatingADeletedControlNodeLocksTheGuestOutUnlessOwnershipIsGiven() throws {
    let host = SimulatedXenHost()
    let toolstack = HandDrivenToolstack(host: host)
    let domain = host.createDomain(.pv(behaviour: .acknowledgesByDeletingNode))
    let path = XenStorePath.controlShutdown(of: domain)

    try toolstack.requestSuspend(domain)
    XCTAssertNil(try host.read(path), "acknowledged by deleting the node")
    try toolstack.fastResume(domain)
    try toolstack.finishResume(domain)

    // A plain re-write creates the node with the parent's permissions: the guest may only read it.
    try toolstack.requestSuspend(domain)
    XCTAssertEqual(host.xenStorePermissions(of: path)?.first?.domain, .dom0)
    var guest = host.observations(of: domain)
    XCTAssertEqual(guest.acknowledgementsRefused, 1)
    XCTAssertEqual(try host.read(path), "suspend", "the toolstack never sees an acknowledgement")
    XCTAssertEqual(guest.suspendsCompleted, 2, "the guest suspends anyway, as Linux does")
    try toolstack.fastResume(domain)
    try toolstack.finishResume(domain)

    // The fix: write the request in a transaction and give the guest the node.
    let transaction = try host.startTransaction()
    try host.write(path, value: "suspend", transaction: transaction)
    try host.setPermissions(path, [XenStorePermission(domain: domain, access: .none)], transaction: transaction)
    try host.endTransaction(transaction, commit: true)
    guest = host.observations(of: domain)
    XCTAssertEqual(guest.acknowledgements, 2)
    XCTAssertNil(try host.read(path))
  }

  func testPermissionChangesNeedAnExistingNodeAndAnOwner() throws {
    let host = SimulatedXenHost()
    assertXenError(
      .noSuchFileOrDirectory,
      try host.setPermissions(
        "/local/domain/0/none", [XenStorePermission(domain: .dom0, access: .none)],
        transaction: .none))
    assertXenError(.invalidArgument, try host.setPermissions("/local/domain/0", [], transaction: .none))
  }

  func testInvalidPathsAreEINVALAndRelativePathsAreUnderTheToolstacksHome() throws {
    let host = SimulatedXenHost()
    for path in ["//a", "/a/", "/a b", "/a//b", ""] {
      assertXenError(.invalidArgument, try host.write(path, value: "x"), path)
    }
    try host.write("relative/node", value: "here")
    XCTAssertEqual(try host.read("/local/domain/0/relative/node"), "here")
    assertXenError(.invalidArgument, try host.remove("/"))
    XCTAssertNoThrow(try host.remove("/local/domain/0/never/existed"), "removing a missing node succeeds")
  }
}
