/// What a PV slow resume writes into start_info, read from the guest's own structures and checked before anything
/// is written: where start_info is, the guest frames of its xenstore and console rings, and their machine frames.
///
/// Everything here comes from memory the guest controls (vcpu 0's register naming start_info, start_info itself,
/// shared_info's p2m anchors, the p2m), so every value is checked before it is followed or used, and every lookup
/// reads a bounded number of words: at most `maximumReads` foreign reads, whatever the guest left there. A guest
/// whose structures cannot be trusted is refused with a typed error and nothing written.
struct PVRingFrames {
  /// start_info's machine frame, as vcpu 0's register named it (its magic was checked).
  let startInfoFrame: UInt64
  /// The rings' guest frames, as the guest left them in start_info.
  let rings: StartInfoRings
  /// The machine frame of the xenstore ring, translated through the guest's p2m.
  let storeMFN: UInt64
  /// The machine frame of the console ring, translated through the guest's p2m.
  let consoleMFN: UInt64

  /// The most foreign reads one reading makes: shared_info's anchor, start_info's magic and ring fields, two
  /// translations of at most five reads each (four page-table levels and the entry, for a 64-bit linear p2m), and
  /// a one-byte read of each translated frame.
  static let maximumReads = 3 + 2 * 5 + 2

  /// Reads shared_info's p2m anchor, then start_info (named by `startInfoFrame()`, read in between, as the
  /// resume's host-call order has always been), then translates both rings' frames.
  init(frames: GuestFrameReader, sharedInfoFrame: UInt64, startInfoFrame: () throws -> UInt64) throws {
    let map = try GuestPhysicalMap(frames: frames, sharedInfoFrame: sharedInfoFrame)
    self.startInfoFrame = try startInfoFrame()
    rings = try StartInfoRings(frames: frames, startInfoFrame: self.startInfoFrame)
    storeMFN = try Self.ownedFrame(map.machineFrame(of: rings.storePFN), of: rings.storePFN, "xenstore", frames)
    consoleMFN = try Self.ownedFrame(
      map.machineFrame(of: rings.consolePFN), of: rings.consolePFN, "console", frames)
  }

  /// The machine frame, once a read of it shows that the guest owns it: Xen maps a domain's frames for dom0 only
  /// when the domain owns them. A guest whose own p2m sends its ring to a frame that is not its own (another
  /// domain's, dom0's, frame 0) would otherwise be handed that frame and resume without its ring. The read's own
  /// error is thrown, its errno kept (a refused mapping and a failing one look the same from here), with what was
  /// being read added to its hint.
  private static func ownedFrame(
    _ frame: UInt64, of pfn: UInt64, _ ring: String, _ frames: GuestFrameReader
  ) throws -> UInt64 {
    do {
      _ = try frames.bytes(in: frame, offset: 0, count: 1)
    } catch var error as XenCallError {
      let context =
        "reading machine frame \(GuestFrameReader.hex(frame)), which the guest's p2m names for its \(ring) ring "
        + "(frame \(pfn)): a frame the guest does not own cannot be mapped as its own; nothing was written"
      error.hint = error.hint.map { context + "; " + $0 } ?? context
      throw error
    }
    return frame
  }
}
