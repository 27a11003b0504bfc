import BenchmarkSupport
import SystemPackage
import Testing
@_spi(XenHostBackends) import XenResumeCore

/// The null host models no guest physical memory and no HVM platform: a capture over it finds nothing to copy, and
/// whatever would copy something fails instead of inventing it.
@Suite struct NullXenHostGuestStateTests {
  @Test func aNullGuestsMapIsOneHole() throws {
    let host = NullXenHost()
    let domain = host.createDomain(.pvhvm())
    #expect(try host.maximumGuestFrame(of: domain) == 0)
    #expect(try host.guestFrameKinds(of: domain, frames: [0, 1, 2]) == [.absent, .absent, .absent])
    #expect(try host.guestFrameKinds(of: domain, frames: []) == [])
  }

  @Test func emptyBatchesSucceedAndAnyFrameIsRefused() throws {
    let host = NullXenHost()
    let domain = host.createDomain(.pv())
    var pages: [UInt8] = [1]
    try host.readGuestFrames(of: domain, frames: [], appendingTo: &pages)
    try host.writeGuestFrames(of: domain, frames: [], pages: [])
    #expect(pages == [1])

    let read = try failure(of: { try host.readGuestFrames(of: domain, frames: [0], appendingTo: &pages) })
    let write = try failure(of: {
      try host.writeGuestFrames(of: domain, frames: [0], pages: ArraySlice(repeating: 0, count: GuestLayout.pageSize))
    })
    #expect(read == .invalidArgument)
    #expect(write == .invalidArgument)
    #expect(pages == [1], "nothing appended")
  }

  @Test func batchesAndPagesAreCheckedAsLibxenHostChecksThem() throws {
    let host = NullXenHost()
    let domain = host.createDomain(.hvm())
    let tooMany = [UInt64](repeating: 0, count: GuestFrameKind.batchLimit + 1)
    #expect(try failure(of: { _ = try host.guestFrameKinds(of: domain, frames: tooMany) }) == .invalidArgument)
    #expect(try failure(of: { try host.writeGuestFrames(of: domain, frames: [], pages: [0]) }) == .invalidArgument)
  }

  @Test func aMissingDomainIsESRCH() throws {
    let host = NullXenHost()
    let missing: DomainID = 9
    var pages: [UInt8] = []
    #expect(try failure(of: { _ = try host.maximumGuestFrame(of: missing) }) == .noSuchProcess)
    #expect(try failure(of: { _ = try host.guestFrameKinds(of: missing, frames: []) }) == .noSuchProcess)
    #expect(
      try failure(of: { try host.readGuestFrames(of: missing, frames: [], appendingTo: &pages) }) == .noSuchProcess)
    #expect(try failure(of: { _ = try host.hvmContext(of: missing) }) == .noSuchProcess)
  }

  /// Xen refuses an HVM context for a PV domain (EINVAL); the null host has none to give an HVM container (ENOSYS).
  @Test func thereIsNoHVMContext() throws {
    let host = NullXenHost()
    let pv = host.createDomain(.pv())
    let hvm = host.createDomain(.pvh())
    #expect(try failure(of: { _ = try host.hvmContext(of: pv) }) == .invalidArgument)
    #expect(try failure(of: { try host.setHVMContext([], of: pv) }) == .invalidArgument)
    #expect(try failure(of: { _ = try host.hvmContext(of: hvm) }) == .noFunction)
    #expect(try failure(of: { try host.setHVMContext([], of: hvm) }) == .noFunction)
  }

  private func failure(of body: () throws -> Void) throws -> Errno? {
    do {
      try body()
      return nil
    } catch let error as XenCallError {
      return error.errno
    }
  }
}
