@_spi(XenHostBackends) import XenResumeCore

extension ConformanceCheck {
  /// vcpu0's context travels in the layout of the guest's width, and a written return register reads back: the
  /// two facts a fast resume stands on.
  static let vcpuContextRoundTrip = ConformanceCheck(
    name: "vcpus.context-round-trip",
    subject: .vcpus,
    rule: "vcpuContext of vcpu 0 has the size of its width (the guest's for PV, the host's for HVM containers); in a "
      + "suspended PV-aware guest a return register of 1 written with setVCPUContext reads back, start_info "
      + "register untouched",
    source: "xen/common/domctl.c XEN_DOMCTL_getvcpucontext (compat layout for 32-bit PV) and "
      + "XEN_DOMCTL_setvcpucontext; tools/libs/guest/xg_resume.c modify_returncode (the width it writes in)",
    body: .guest { session in
      let context = session.context
      let host = context.host
      let domain = session.guest.domain
      _ = try context.requireRunning(session.guest)
      let width = try context.contextWidth(of: session.guest)
      try checkSize(try host.vcpuContext(of: domain, vcpu: 0, width: width), width, context)
      guard session.guest.type.isPVAware else {
        // A guest without PV drivers is never in a hypercall: a toolstack must not write its registers at all.
        return "\(width) context of \(GuestLayout.vcpuContextSize(width)) bytes; pure HVM: registers never written"
      }
      let watch = try await session.releaseDomainWatch()
      try await session.suspendCooperatively(watching: watch)
      var suspended = try host.vcpuContext(of: domain, vcpu: 0, width: width)
      try checkSize(suspended, width, context)
      let startInfo = suspended.startInfoFrame
      suspended.returnRegister = 1
      try host.setVCPUContext(suspended, of: domain, vcpu: 0)
      let reread = try host.vcpuContext(of: domain, vcpu: 0, width: width)
      try context.expect(
        reread.returnRegister == 1, "the return register reads \(reread.returnRegister) after writing 1")
      try context.expect(
        reread.startInfoFrame == startInfo,
        "the start_info register changed from \(startInfo) to \(reread.startInfoFrame)")
      try session.resume()
      // Reported, not asserted: Xen may normalise fields it does not take from a toolstack (nothing in
      // arch_set_info_guest promises every byte back), and the resume paths touch only the two registers above.
      let changed = zip(suspended.bytes, reread.bytes).filter { $0 != $1 }.count
      return "\(width) context of \(GuestLayout.vcpuContextSize(width)) bytes; return register 1 read back, "
        + "\(changed) other bytes differed after the write; resumed"
    })

  private static func checkSize(_ vcpu: VCPUContext, _ width: GuestWidth, _ context: CheckContext) throws {
    try context.expect(
      vcpu.width == width && vcpu.bytes.count == GuestLayout.vcpuContextSize(width),
      "asked for a \(width) context, got \(vcpu.width) with \(vcpu.bytes.count) bytes")
  }
}
