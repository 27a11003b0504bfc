@_spi(XenHostBackends) import XenResumeCore

/// Whole-guest state, what a capture and a rewind read and write: the null host measures suspend and resume, so it
/// models neither a guest physical map nor an HVM platform. A null guest's map is one hole at frame 0, so a capture
/// over it finds nothing to copy; a call that would copy something fails, naming what the null host lacks, rather than
/// hand out invented pages or registers.
extension NullXenHost {
  // MARK: Whole-guest state

  /// 0: the map ends at its first frame, which `guestFrameKinds(of:frames:)` reports as a hole.
  public func maximumGuestFrame(of domain: DomainID) throws -> UInt64 {
    try observed(.maximumGuestFrame, domain) {
      try requireDomain(domain, .maximumGuestFrame)
      return 0
    }
  }

  /// `.absent` for every frame: a null guest has no page a capture could copy.
  public func guestFrameKinds(of domain: DomainID, frames: [UInt64]) throws -> [GuestFrameKind] {
    try observed(.guestFrameKinds, domain) {
      try requireBatch(domain, frames, .guestFrameKinds)
      return [GuestFrameKind](repeating: .absent, count: frames.count)
    }
  }

  /// An empty batch appends nothing; any frame is a hole, and reading one is the controller's mistake (EINVAL).
  public func readGuestFrames(of domain: DomainID, frames: [UInt64], appendingTo pages: inout [UInt8]) throws {
    try observed(.readGuestFrames, domain) {
      try requireBatch(domain, frames, .readGuestFrames)
      if let frame = frames.first { throw Self.hole(frame, .readGuestFrames, domain) }
    }
  }

  /// As `readGuestFrames`, after the check that `pages` holds one page per frame: nothing is ever written.
  public func writeGuestFrames(of domain: DomainID, frames: [UInt64], pages: ArraySlice<UInt8>) throws {
    try observed(.writeGuestFrames, domain) {
      try requireBatch(domain, frames, .writeGuestFrames)
      guard pages.count == frames.count * GuestLayout.pageSize else {
        throw NullXenHost.mistake(
          .writeGuestFrames, domain, "\(pages.count) bytes are not one \(GuestLayout.pageSize)-byte page per frame")
      }
      if let frame = frames.first { throw Self.hole(frame, .writeGuestFrames, domain) }
    }
  }

  /// EINVAL for a PV domain, as Xen's `XEN_DOMCTL_gethvmcontext` answers; ENOSYS for an HVM container, whose
  /// platform the null host does not model.
  public func hvmContext(of domain: DomainID) throws -> [UInt8] {
    try observed(.hvmContext, domain) { throw try noHVMContext(domain, .hvmContext) }
  }

  /// Refused as `hvmContext(of:)` is: there is no platform state to load into.
  public func setHVMContext(_ context: [UInt8], of domain: DomainID) throws {
    try observed(.setHVMContext, domain) { throw try noHVMContext(domain, .setHVMContext) }
  }

  /// ESRCH for a missing domain, as everywhere.
  private func requireDomain(_ domain: DomainID, _ operation: XenHostOperation) throws {
    _ = try state.withLock { state in try state.existing(domain, operation) }
  }

  /// `requireDomain`, and EINVAL for more than `GuestFrameKind.batchLimit` frames, as `LibxenHost` refuses them before
  /// any call.
  private func requireBatch(_ domain: DomainID, _ frames: [UInt64], _ operation: XenHostOperation) throws {
    try requireDomain(domain, operation)
    guard frames.count <= GuestFrameKind.batchLimit else {
      throw NullXenHost.mistake(
        operation, domain, "\(frames.count) frames exceed the batch limit of \(GuestFrameKind.batchLimit)")
    }
  }

  private static func hole(_ frame: UInt64, _ operation: XenHostOperation, _ domain: DomainID) -> XenCallError {
    mistake(operation, domain, "frame \(frame) is a hole: null guests have no guest physical memory")
  }

  /// The error for either HVM context call, once the domain is known to exist.
  private func noHVMContext(_ domain: DomainID, _ operation: XenHostOperation) throws -> XenCallError {
    let type = try state.withLock { state in state.domains[try state.existing(domain, operation)].guest.type }
    guard type.isHVMContainer else {
      return XenCallError(
        operation, domain: domain, errno: .invalidArgument, hint: "an HVM context exists only for HVM containers")
    }
    return XenCallError(
      operation, domain: domain, errno: .noFunction, hint: "NullXenHost models no HVM platform state")
  }
}
