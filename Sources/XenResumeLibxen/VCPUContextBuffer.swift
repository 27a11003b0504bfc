internal import CXen
@_spi(XenHostBackends) import XenResumeCore

/// The `vcpu_guest_context_any_t` that `xc_vcpu_getcontext` fills and `xc_vcpu_setcontext` reads.
///
/// The union's 64-bit and 32-bit members both start at byte 0 (the layout tests check it), so a `VCPUContext` of a
/// width is exactly the first `GuestLayout.vcpuContextSize(width)` bytes of the union, and goes back the same way.
struct VCPUContextBuffer {
  /// The C union, passed by address to the libxenctrl calls.
  var raw = vcpu_guest_context_any_t()

  /// An all-zero context.
  init() {}

  /// The union holding a model context's bytes in the member of its width, the rest zero.
  init(_ context: VCPUContext) {
    withUnsafeMutableBytes(of: &raw) { union in
      context.bytes.withUnsafeBytes { union.copyMemory(from: $0) }
    }
  }

  /// The bytes of the member of one width, as the model carries them.
  func context(width: GuestWidth) -> VCPUContext {
    let bytes = withUnsafeBytes(of: raw) { Array($0.prefix(GuestLayout.vcpuContextSize(width))) }
    // The size comes from GuestLayout, which the layout tests pin to the header, so the initialiser cannot fail.
    return VCPUContext(width: width, bytes: bytes) ?? VCPUContext(zeroedFor: width)
  }

  /// `user_regs.rax` / `eax` read through the C field names: lets the tests check `VCPUContext.returnRegister`'s
  /// byte offset against the header instead of against a second hard-coded number.
  var returnRegister: (bits64: UInt64, bits32: UInt64) {
    (raw.x64.user_regs.rax, UInt64(raw.x32.user_regs.eax))
  }

  /// `user_regs.rdx` / `edx` through the C field names, for the same reason.
  var startInfoRegister: (bits64: UInt64, bits32: UInt64) {
    (raw.x64.user_regs.rdx, UInt64(raw.x32.user_regs.edx))
  }

  /// Sets the return register of one width through its C field.
  mutating func setReturnRegister(_ value: UInt64, width: GuestWidth) {
    switch width {
    case .bits64: raw.x64.user_regs.rax = value
    case .bits32: raw.x32.user_regs.eax = UInt32(truncatingIfNeeded: value)
    }
  }

  /// Sets the start_info register of one width through its C field.
  mutating func setStartInfoRegister(_ value: UInt64, width: GuestWidth) {
    switch width {
    case .bits64: raw.x64.user_regs.rdx = value
    case .bits32: raw.x32.user_regs.edx = UInt32(truncatingIfNeeded: value)
    }
  }
}
