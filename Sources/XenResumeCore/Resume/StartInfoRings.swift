/// The ring frames a suspended PV guest left in start_info, read only once start_info is known to be one.
///
/// A wrong vcpu 0 `rdx` or a guest that reused the page would otherwise have the resume write machine frames into
/// whatever page it names; the magic libxenguest's domain builder wrote at offset 0 is checked first.
struct StartInfoRings {
  /// `store_mfn` as the guest left it: the xenstore ring's pseudo-physical frame.
  let storePFN: UInt64
  /// `console.domU.mfn` as the guest left it: the console ring's pseudo-physical frame.
  let consolePFN: UInt64

  /// Checks the magic, then reads both fields with one more read (they are 16 bytes apart in both widths).
  init(frames: GuestFrameReader, startInfoFrame: UInt64) throws {
    let width = frames.width
    let expected = GuestLayout.startInfoMagic(width)
    let magic = try frames.bytes(in: startInfoFrame, offset: 0, count: GuestLayout.startInfoMagicSize)
    guard
      magic == Array(expected.utf8) + Array(repeating: 0, count: GuestLayout.startInfoMagicSize - expected.utf8.count)
    else {
      let shown = String(decoding: magic.prefix { $0 != 0 }, as: UTF8.self).debugDescription
      throw frames.damaged(
        "frame \(GuestFrameReader.hex(startInfoFrame)) (vcpu 0's rdx) holds magic \(shown), not the \(width) "
          + "start_info magic \"\(expected)\"")
    }
    let storeOffset = GuestLayout.startInfoStoreFrameOffset(width)
    let consoleOffset = GuestLayout.startInfoConsoleFrameOffset(width)
    let fields = try frames.bytes(
      in: startInfoFrame, offset: storeOffset, count: consoleOffset + width.bytes - storeOffset)
    (storePFN, consolePFN) = fields.withUnsafeBytes {
      (
        GuestMemoryWord.load(from: $0, at: 0, width: width),
        GuestMemoryWord.load(from: $0, at: consoleOffset - storeOffset, width: width)
      )
    }
  }
}
