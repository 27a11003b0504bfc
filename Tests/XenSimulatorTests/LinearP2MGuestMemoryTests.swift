import SystemPackage
import XCTest
@_spi(XenHostBackends) import XenResumeCore

@testable import XenSimulator

/// The simulator's linear p2m, checked by walking it by hand the way libxenguest's `map_p2m_list` does, so that
/// the library's reader is tested against a layout it did not build.
final class LinearP2MGuestMemoryTests: XCTestCase {
  private func sharedInfoWord(_ host: SimulatedXenHost, _ domain: DomainID, _ offset: Int, _ width: GuestWidth) throws
    -> UInt64
  {
    let frame = try host.domainInfo(domain).sharedInfoFrame
    return word(
      try host.readGuestMemory(of: domain, frame: frame, offset: offset, count: width.bytes), at: 0, width: width)
  }

  /// Every p2m entry, found through `p2m_cr3` and `p2m_vaddr` one page-table level at a time.
  private func linearP2M(_ host: SimulatedXenHost, _ domain: DomainID, width: GuestWidth) throws -> [UInt64] {
    let maxPFN = try sharedInfoWord(host, domain, GuestLayout.sharedInfoMaxPFNOffset(width), width)
    let cr3 = try sharedInfoWord(host, domain, GuestLayout.sharedInfoP2MRootOffset(width), width)
    let start = try sharedInfoWord(host, domain, GuestLayout.sharedInfoP2MVirtualAddressOffset(width), width)
    let root = width == .bits64 ? cr3 >> 12 : UInt64(UInt32(truncatingIfNeeded: (cr3 >> 12) | (cr3 << 20)))
    return try (0..<maxPFN).map { pfn in
      let address = start + pfn * UInt64(width.bytes)
      var frame = root
      for level in stride(from: GuestLayout.pageTableLevels(width), through: 1, by: -1) {
        let index = Int((address >> UInt64(12 + 9 * (level - 1))) & 0x1FF)
        let entryBytes = try host.readGuestMemory(of: domain, frame: frame, offset: index * 8, count: 8)
        let entry = word(entryBytes, at: 0, width: .bits64)
        XCTAssertEqual(entry & 1, 1, "level \(level) entry present")
        XCTAssertEqual(entry & 0x80, 0, "level \(level) entry is no large page")
        frame = (entry & 0x000F_FFFF_FFFF_F000) >> 12
      }
      let offset = Int(address & 0xFFF)
      return word(
        try host.readGuestMemory(of: domain, frame: frame, offset: offset, count: width.bytes), at: 0, width: width)
    }
  }

  func testTheLinearP2MMapsTheSameFramesAsTheTreeInBothWidths() throws {
    for width in GuestWidth.allCases {
      let treeHost = SimulatedXenHost()
      let tree = try HandDrivenToolstack(host: treeHost).p2m(of: treeHost.createDomain(.pv(width: width)))
      let host = SimulatedXenHost()
      let domain = host.createDomain(.pv(width: width))
      host.useLinearP2M(of: domain)
      XCTAssertEqual(try linearP2M(host, domain, width: width), tree, "\(width)")
      let allOnes = width == .bits64 ? UInt64.max : UInt64(UInt32.max)
      XCTAssertEqual(
        try sharedInfoWord(host, domain, GuestLayout.sharedInfoFrameListListOffset(width), width), allOnes,
        "\(width): a linear-p2m guest keeps no frame lists")
      XCTAssertEqual(try sharedInfoWord(host, domain, GuestLayout.sharedInfoP2MGenerationOffset(width), width) % 2, 0)
      XCTAssertTrue(host.observations(of: domain).isHealthy)
    }
  }

  func testThe32BitRootUsesTheExtendedCR3FormatForFramesAbove4GiB() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv(width: .bits32))
    host.useLinearP2M(of: domain)
    let cr3 = try sharedInfoWord(host, domain, GuestLayout.sharedInfoP2MRootOffset(.bits32), .bits32)
    // The simulator's machine frames start at 2^20: a plain `mfn << 12` would not fit in 32 bits.
    XCTAssertNotEqual(cr3 & 0xFFF, 0)
    XCTAssertNoThrow(
      try host.readGuestMemory(
        of: domain, frame: UInt64(UInt32(truncatingIfNeeded: (cr3 >> 12) | (cr3 << 20))), offset: 0, count: 8))
  }

  func testOverwritingALinearP2MPageTableCorruptsTheGuest() throws {
    for width in GuestWidth.allCases {
      let host = SimulatedXenHost()
      let domain = host.createDomain(.pv(width: width))
      host.useLinearP2M(of: domain)
      let cr3 = try sharedInfoWord(host, domain, GuestLayout.sharedInfoP2MRootOffset(width), width)
      let root = width == .bits64 ? cr3 >> 12 : UInt64(UInt32(truncatingIfNeeded: (cr3 >> 12) | (cr3 << 20)))
      try host.writeGuestMemory(of: domain, frame: root, offset: 8, bytes: [1])
      XCTAssertEqual(
        host.observations(of: domain).failure,
        "a foreign write changed the guest's linear p2m page table (level \(GuestLayout.pageTableLevels(width))) "
          + "(frame 0x\(String(root, radix: 16)))")
    }
  }

  func testDamageChangesTheGuestsStructuresWithoutCorruptingIt() throws {
    let host = SimulatedXenHost()
    let domain = host.createDomain(.pv())
    host.useLinearP2M(of: domain)
    host.damageGuestMemory(of: domain, .startInfoMagic("not-xen"))
    host.damageGuestMemory(of: domain, .p2mEntry(pfn: 5, value: .max))
    // vcpu 0's rdx names start_info once the guest is in its suspend hypercall.
    try HandDrivenToolstack(host: host).requestSuspend(domain)
    let frame = try host.vcpuContext(of: domain, vcpu: 0, width: .bits64).startInfoFrame
    XCTAssertEqual(try host.readGuestMemory(of: domain, frame: frame, offset: 0, count: 8), Array("not-xen\0".utf8))
    XCTAssertEqual(try linearP2M(host, domain, width: .bits64)[5], .max)
    XCTAssertTrue(host.observations(of: domain).isHealthy)
  }
}
