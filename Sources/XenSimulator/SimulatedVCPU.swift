@_spi(XenHostBackends) import XenResumeCore

/// One simulated vcpu: the registers the resume paths care about, and a seed standing for all the others.
///
/// A context is synthesised on demand rather than stored (5 KiB per vcpu would not fit 10,000 domains), and a
/// context handed back is compared with what the vcpu really holds, so a toolstack that changes the wrong bytes,
/// or writes in the wrong width, is caught.
struct SimulatedVCPU: Equatable {
  /// False once the vcpu was reset (`xc_vcpu_setcontext(…, NULL)`): down and uninitialised until the guest brings
  /// it up again.
  var isInitialised = true
  /// Whether Xen holds a vcpu_info registration for it (`VCPUOP_register_vcpu_info`): kept for the domain's life,
  /// through resumes and resets.
  var hasRegisteredVCPUInfo = false
  /// `rax`/`eax`.
  var returnRegister: UInt64
  /// `rdx`/`edx`.
  var startInfoRegister: UInt64
  /// Stands for every other register: a running vcpu's registers change, so the seed moves on.
  var registerSeed: UInt64

  init(seed: UInt64) {
    registerSeed = seed
    returnRegister = Self.scramble(seed)
    startInfoRegister = Self.scramble(seed &+ 1)
  }

  /// The vcpu's state after the guest ran a while: every register has moved on.
  mutating func runOn() {
    registerSeed &+= 0x9E37_79B9
    returnRegister = Self.scramble(registerSeed)
    startInfoRegister = Self.scramble(registerSeed &+ 1)
  }

  /// Offset of `flags` (after the 512-byte FPU area) in both layouts.
  static let flagsOffset = 512
  /// `VGCF_i387_valid | VGCF_in_kernel | VGCF_online`: an initialised vcpu running its kernel.
  static let onlineFlags: UInt64 = (1 << 0) | (1 << 2) | (1 << 5)

  /// Offset of `user_regs.rip` / `eip`.
  static func instructionPointerOffset(_ width: GuestWidth) -> Int { width == .bits64 ? 648 : 548 }
  /// Offset of `user_regs.rsp` / `esp`.
  static func stackPointerOffset(_ width: GuestWidth) -> Int { width == .bits64 ? 672 : 560 }

  /// `rip`/`eip`, which the seed decides, as it decides every register but the two above.
  var instructionPointer: UInt64 { Self.scramble(registerSeed &+ 2) }
  /// `rsp`/`esp`.
  var stackPointer: UInt64 { Self.scramble(registerSeed &+ 3) }

  /// The vcpu whose seed gives `instructionPointer`, with these two registers: how a register state loaded from
  /// outside is read back into the model (`scramble` is a bijection, so every instruction pointer has one seed).
  init(instructionPointer: UInt64, returnRegister: UInt64, startInfoRegister: UInt64) {
    registerSeed = Self.unscramble(instructionPointer) &- 2
    self.returnRegister = returnRegister
    self.startInfoRegister = startInfoRegister
  }

  /// The context bytes, in the vcpu's own layout. A reset vcpu has no context.
  func contextBytes(width: GuestWidth) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: GuestLayout.vcpuContextSize(width))
    guard isInitialised else { return bytes }
    let values: [(Int, UInt64)] = [
      (Self.flagsOffset, Self.onlineFlags),
      (Self.instructionPointerOffset(width), instructionPointer),
      (Self.stackPointerOffset(width), stackPointer),
      (GuestLayout.returnRegisterOffset(width), returnRegister),
      (GuestLayout.startInfoRegisterOffset(width), startInfoRegister),
    ]
    bytes.withUnsafeMutableBytes { buffer in
      for (offset, value) in values { GuestMemoryWord.store(value, into: buffer, at: offset, width: width) }
    }
    return bytes
  }

  /// A context handed in by a toolstack, as Xen reads it: in the vcpu's own layout, whatever the caller thought.
  /// A context of the other width is cut or zero-padded to this one's size, so its registers land elsewhere.
  static func reinterpret(_ context: VCPUContext, as width: GuestWidth) -> [UInt8] {
    let size = GuestLayout.vcpuContextSize(width)
    if context.bytes.count == size { return context.bytes }
    if context.bytes.count > size { return Array(context.bytes.prefix(size)) }
    return context.bytes + [UInt8](repeating: 0, count: size - context.bytes.count)
  }

  /// The first and last byte where two contexts of one layout differ; `nil` when they are equal. Compares eight
  /// bytes at a time: contexts are 5 KiB and this runs on every `setVCPUContext`.
  static func changedRanges(from old: [UInt8], to new: [UInt8]) -> (first: Int, last: Int)? {
    precondition(old.count == new.count && old.count % 8 == 0)
    return old.withUnsafeBytes { oldBytes in
      new.withUnsafeBytes { newBytes in
        let words = oldBytes.count / 8
        func differs(_ word: Int) -> Bool {
          oldBytes.loadUnaligned(fromByteOffset: word * 8, as: UInt64.self)
            != newBytes.loadUnaligned(fromByteOffset: word * 8, as: UInt64.self)
        }
        guard let firstWord = (0..<words).first(where: differs) else { return nil }
        let lastWord = (firstWord..<words).last(where: differs) ?? firstWord
        let first = (firstWord * 8..<firstWord * 8 + 8).first { oldBytes[$0] != newBytes[$0] } ?? firstWord * 8
        let last = (lastWord * 8..<lastWord * 8 + 8).last { oldBytes[$0] != newBytes[$0] } ?? lastWord * 8
        return (first, last)
      }
    }
  }

  /// A cheap bijective mix (splitmix64's finaliser), so register values look arbitrary but are reproducible.
  static func scramble(_ value: UInt64) -> UInt64 {
    var mixed = value &+ scrambleIncrement
    mixed = (mixed ^ (mixed >> 30)) &* scrambleFactors.first
    mixed = (mixed ^ (mixed >> 27)) &* scrambleFactors.second
    return mixed ^ (mixed >> 31)
  }

  /// The inverse of `scramble`.
  static func unscramble(_ value: UInt64) -> UInt64 {
    var mixed = undoShiftXor(value, by: 31) &* inverse(of: scrambleFactors.second)
    mixed = undoShiftXor(mixed, by: 27) &* inverse(of: scrambleFactors.first)
    return undoShiftXor(mixed, by: 30) &- scrambleIncrement
  }

  /// What a guest notes in its progress page when it suspends: a digest of every vcpu's register seed, so that the
  /// registers of one stop in its suspend hypercall and the memory of another do not pass for one state.
  static func stamp(of vcpus: [SimulatedVCPU]) -> UInt64 {
    vcpus.reduce(0x5354_414D_50) { scramble($0 ^ $1.registerSeed) }
  }

  private static let scrambleIncrement: UInt64 = 0x9E37_79B9_7F4A_7C15
  private static let scrambleFactors: (first: UInt64, second: UInt64) = (0xBF58_476D_1CE4_E5B9, 0x94D0_49BB_1331_11EB)

  /// `x` from `x ^ (x >> shift)`: each round recovers `shift` more of the high bits.
  private static func undoShiftXor(_ value: UInt64, by shift: UInt64) -> UInt64 {
    var result = value
    var recovered = shift
    while recovered < 64 {
      result = value ^ (result >> shift)
      recovered += shift
    }
    return result
  }

  /// The inverse of an odd number modulo 2^64 (Newton's iteration doubles the correct low bits each round).
  private static func inverse(of odd: UInt64) -> UInt64 {
    var inverse = odd
    for _ in 0..<5 { inverse = inverse &* (2 &- odd &* inverse) }
    return inverse
  }
}
