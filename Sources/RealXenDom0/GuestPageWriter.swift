import RealXenLab

import struct XenResumeCore.DomainID
import class XenResumeLibxen.LibxenHost

/// The COLO check's write into a suspended guest's memory, through the library's own foreign-memory mapping
/// (`LibxenHost.readGuestMemory` and `writeGuestMemory`, which map a PVH or PVHVM guest's frame by its guest frame
/// number): the page the guest's `rx-colo` announced gets a new value in its first 8 bytes, little-endian as the guest
/// reads them.
enum GuestPageWriter {
  /// Checks that the announced frame holds what the guest printed (so it is the guest's page: anything else is left
  /// alone), writes the guest's value with every bit flipped, and reads it back. `guestFailure` is the guest's
  /// `RX-COLO failed` reason, if it printed one. The facts' `valuesAfter` is left empty for the caller.
  static func replace(_ page: ColoConsole.Page?, in domain: Int, guestFailure: String?) -> ColoFacts {
    guard let page else {
      let error =
        guestFailure.map { "the guest's rx-colo failed: \($0)" }
        ?? "the guest announced no page (no `RX-COLO gfn=` line)"
      return ColoFacts(
        frame: nil, guestValue: nil, readBefore: nil, written: nil, readBack: nil, error: error, valuesAfter: [])
    }
    var facts = ColoFacts(
      frame: "0x" + String(page.frame, radix: 16), guestValue: ColoConsole.hex(page.value), readBefore: nil,
      written: nil, readBack: nil, error: nil, valuesAfter: [])
    do {
      let host = try LibxenHost()
      let id = DomainID(UInt32(domain))
      let before = try read(host, id, page.frame)
      facts.readBefore = ColoConsole.hex(before)
      guard before == page.value else {
        facts.error =
          "frame \(facts.frame ?? "") holds \(ColoConsole.hex(before)), the guest printed \(ColoConsole.hex(page.value)):"
          + " not its page, nothing written"
        return facts
      }
      let value = ~page.value
      try host.writeGuestMemory(
        of: id, frame: page.frame, offset: 0, bytes: withUnsafeBytes(of: value.littleEndian) { Array($0) })
      facts.written = ColoConsole.hex(value)
      facts.readBack = ColoConsole.hex(try read(host, id, page.frame))
    } catch {
      facts.error = "\(error)"
    }
    return facts
  }

  /// The frame's first 8 bytes, little-endian.
  private static func read(_ host: LibxenHost, _ domain: DomainID, _ frame: UInt64) throws -> UInt64 {
    try host.readGuestMemory(of: domain, frame: frame, offset: 0, count: 8).reversed()
      .reduce(0) { $0 << 8 | UInt64($1) }
  }
}
