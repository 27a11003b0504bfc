/// A suspended guest's whole state, as `SuspendController.capture(_:progress:)` copied it: every page of its RAM,
/// its HVM context, and what identifies the domain it came from, so that `SuspendController.rewind(_:to:progress:)`
/// can put that same domain back to it.
///
/// Values are made only by a capture or by reading a capture file (`GuestCaptureFile`), whose checksum is checked,
/// so the pages, frames and context always belong together.
public struct GuestCapture: Sendable, Equatable {
  /// The domain it was captured from.
  public let domain: DomainID
  /// The handle of that domain (libxl: the guest's UUID): a rewind is refused for a domain with another handle.
  public let handle: DomainHandle
  /// The guest type at capture (only `.pvh` can be captured today).
  public let guestType: GuestType
  /// Xen's page count of the domain at capture (`tot_pages`): a rewind is refused for a domain of another size.
  public let totalPages: UInt64
  /// The domain's vcpu count at capture.
  public let vcpuCount: Int
  /// The highest frame of the guest's physical map at capture (`xc_domain_maximum_gpfn`).
  public let maximumFrame: UInt64
  /// The HVM context in Xen's save format (`xc_domain_hvm_getcontext`).
  public let hvmContext: [UInt8]
  /// The guest frames copied, ascending: every RAM frame but the special pages of `HVMParameter.specialPages`.
  public let frames: [UInt64]
  /// The pages of `frames`, one `GuestLayout.pageSize` page per frame, in the same order.
  public let memory: [UInt8]

  /// Everything a capture holds; `memory` must hold one page per frame.
  package init(
    domain: DomainID, handle: DomainHandle, guestType: GuestType, totalPages: UInt64, vcpuCount: Int,
    maximumFrame: UInt64, hvmContext: [UInt8], frames: [UInt64], memory: [UInt8]
  ) {
    precondition(memory.count == frames.count * GuestLayout.pageSize, "one page per captured frame")
    self.domain = domain
    self.handle = handle
    self.guestType = guestType
    self.totalPages = totalPages
    self.vcpuCount = vcpuCount
    self.maximumFrame = maximumFrame
    self.hvmContext = hvmContext
    self.frames = frames
    self.memory = memory
  }

  /// The bytes of guest memory held.
  public var memoryBytes: Int { memory.count }

  /// The pages of frames `range` of `frames`.
  func pages(of range: Range<Int>) -> ArraySlice<UInt8> {
    memory[(range.lowerBound * GuestLayout.pageSize)..<(range.upperBound * GuestLayout.pageSize)]
  }
}

/// How far a capture or a rewind has copied guest memory, reported after each batch.
public struct GuestCopyProgress: Sendable, Hashable {
  /// Frames examined or written so far.
  public var framesDone: UInt64
  /// Frames in all: the guest physical map's size for a capture, the captured frames for a rewind.
  public var frameCount: UInt64
  /// Pages copied so far: a capture's RAM frames found, a rewind's frames written. A capture's batch that copied
  /// none was all holes (or Xen's and the rings' pages), so a caller can tell the scan of the map from the copy.
  public var framesCopied: UInt64

  /// Progress after `framesDone` of `frameCount` frames, `framesCopied` pages copied.
  public init(framesDone: UInt64, frameCount: UInt64, framesCopied: UInt64) {
    self.framesDone = framesDone
    self.frameCount = frameCount
    self.framesCopied = framesCopied
  }
}
