import SystemPackage
import XenResumeCore

/// The `XenHost` calls a capture and a rewind of a whole guest make, each keeping the rules of the C call it stands
/// for (`SimulatorState+GuestState.swift`).
extension SimulatedXenHost {
  /// `xc_domain_maximum_gpfn`: an HVM container's highest gfn (its rings and shared_info frame lie below it); a PV
  /// domain's highest PFN, from the `max_pfn` its shared_info announces (its frames are machine frames, so a scan
  /// of `0...max` finds none of them). ESRCH for a missing domain; 0 for domain 0, whose memory is not modelled.
  public func maximumGuestFrame(of domain: DomainID) throws -> UInt64 {
    try call(.maximumGuestFrame, domain: domain, { .none }, result: { .number($0) }) { state in
      try state.maximumGuestFrame(of: domain)
    }
  }

  /// `XEN_DOMCTL_getpageframeinfo3`: RAM for a page of the guest's own memory (the rings the HVM parameters name
  /// included), absent for a hole (the VGA hole of an HVM or PVHVM guest, anything past the maximum frame) and for
  /// Xen's shared_info page in the guest's map; never broken. ESRCH for a missing domain, then E2BIG for more than
  /// `GuestFrameKind.batchLimit` frames.
  public func guestFrameKinds(of domain: DomainID, frames: [UInt64]) throws -> [GuestFrameKind] {
    try call(
      .guestFrameKinds, domain: domain, { .batch(frames) },
      result: { kinds in
        .frameKinds(
          ram: kinds.count { $0 == .ram }, absent: kinds.count { $0 == .absent }, broken: kinds.count { $0 == .broken })
      }
    ) { state in
      try state.guestFrameKinds(of: domain, frames: frames)
    }
  }

  /// Maps a batch read-only, by the rule of `readGuestMemory` (a PV domain's own machine frames, EPERM otherwise; an
  /// HVM container's gfns, EINVAL for a hole), and appends each page; a frame that does not map fails the call with
  /// its errno, naming it in the hint, with nothing appended. EINVAL for an empty batch, E2BIG past
  /// `GuestFrameKind.batchLimit`, ESRCH for a missing domain.
  public func readGuestFrames(of domain: DomainID, frames: [UInt64], appendingTo pages: inout [UInt8]) throws {
    pages += try call(.readGuestFrames, domain: domain, { .batch(frames) }, result: { .bytes(count: $0.count) }) {
      state in
      var read: [UInt8] = []
      try state.readGuestFrames(of: domain, frames: frames, appendingTo: &read)
      return read
    }
  }

  /// Maps a batch read-write by the same rule and, once every frame has mapped, writes one page into each, judged as
  /// `writeGuestMemory` judges a write: changing the guest's own structures (a PV guest's p2m, start_info outside its
  /// ring fields, shared_info; an HVM container's kernel pages) corrupts it, while its own bytes written back, as a
  /// rewind writes a capture of the same guest, leave it as it was. EINVAL, with nothing written, unless `pages`
  /// holds one page per frame; otherwise the failures of `readGuestFrames`, with nothing written.
  public func writeGuestFrames(of domain: DomainID, frames: [UInt64], pages: ArraySlice<UInt8>) throws {
    try call(.writeGuestFrames, domain: domain, { .batch(frames) }, result: { .none }) { state in
      try state.writeGuestFrames(of: domain, frames: frames, pages: pages)
    }
  }

  /// `xc_domain_hvm_getcontext`: the HEADER record, a CPU record per vcpu that is up (`struct hvm_hw_cpu`: `rax` is
  /// the vcpu's return register, 0 in vcpu 0 of a guest inside its suspend hypercall, `rip` and `rsp` what
  /// `vcpuContext` shows) and the END record. EINVAL for a PV domain, ESRCH for a missing one. A running guest runs
  /// on after the copy.
  public func hvmContext(of domain: DomainID) throws -> [UInt8] {
    try call(.hvmContext, domain: domain, { .none }, result: { .bytes(count: $0.count) }) { state in
      try state.hvmContext(of: domain)
    }
  }

  /// `xc_domain_hvm_setcontext`: EINVAL for a PV or dying domain, ENODATA for a context without a whole HEADER
  /// record or END record, EINVAL for a header whose magic or version is not Xen's, an unknown record and a CPU
  /// record for a vcpu the domain does not have (on Xen 4.17, a refusal after the header leaves the records before
  /// it loaded and the other vcpus down: `SimulatedXenRelease.checksHVMContextBeforeLoading`). A loaded context
  /// takes every vcpu down and brings up each one it has a CPU record for, with its registers.
  ///
  /// Legal on a running domain (Xen pauses it for the load), but the guest survives a change of its registers only
  /// while it is stopped inside its suspend hypercall, and then only of vcpu 0's return value, or a rewind: the
  /// registers of another stop in its suspend hypercall, which it survives if its memory is from that same stop by
  /// the time it returns from the hypercall.
  public func setHVMContext(_ context: [UInt8], of domain: DomainID) throws {
    try call(.setHVMContext, domain: domain, { .hvmContext(byteCount: context.count) }, result: { .none }) { state in
      try state.setHVMContext(context, of: domain)
    }
  }
}

extension HostCallArguments {
  /// The trace's summary of a batch of frames.
  static func batch(_ frames: [UInt64]) -> HostCallArguments {
    .frames(count: frames.count, first: frames.first, last: frames.last)
  }
}
