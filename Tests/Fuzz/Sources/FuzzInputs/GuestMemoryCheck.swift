@_spi(XenHostBackends) @testable import XenResumeCore

/// What the PV slow resume's reading made of a guest's frames.
public enum GuestMemoryOutcome: Sendable, Equatable {
  /// Everything checked: the resume would write these machine frames into start_info.
  case read(startInfoFrame: UInt64, storeMFN: UInt64, consoleMFN: UInt64)
  /// Refused with a typed error, nothing written; the error's description.
  case refused(String)
}

/// Runs the PV slow resume's reading (`PVRingFrames`, the code `resumeSlow` runs before its first write) over a
/// `GuestMemoryInput`, and checks what the resume promises whatever the guest left in its memory. A broken promise
/// traps, which is what libFuzzer reports as a crash.
///
/// The promises: every read stays inside one page of a frame the reader was led to, and there are at most
/// `PVRingFrames.maximumReads` of them (no guest structure makes the walk longer: no loops over guest data);
/// a success names a start_info frame and ring frames the guest owns, the rings' from p2m entries of RAM; a failure is a
/// `XenCallError` of the foreign read or `SuspendResumeError.unsupported`, never anything else and never a trap
/// (an arithmetic overflow on a guest value, an index out of range).
public enum GuestMemoryCheck {
  /// The domain the readers are told they read.
  static let domain: DomainID = 7

  /// Reads the input and checks every promise; traps on a broken one.
  public static func run(_ input: GuestMemoryInput) -> GuestMemoryOutcome {
    let pages = input.pages()
    var reads = 0
    let frames = GuestFrameReader(domain: domain, width: input.width) { frame, offset, count in
      reads += 1
      if reads > PVRingFrames.maximumReads {
        fatalError("read \(reads) of guest memory: more than the \(PVRingFrames.maximumReads) a reading may make")
      }
      guard offset >= 0, count > 0, offset + count <= GuestLayout.pageSize else {
        fatalError("a read of \(count) bytes at offset \(offset): not inside one page")
      }
      guard let page = pages[frame] else {
        // What Xen answers for a foreign mapping of a frame the guest does not own.
        throw XenCallError(
          .readGuestMemory, domain: domain, errno: .notPermitted, hint: "frame \(frame) is not the guest's")
      }
      return Array(page[offset..<offset + count])
    }
    do {
      let read = try PVRingFrames(frames: frames, sharedInfoFrame: GuestMemoryInput.sharedInfoFrame) {
        input.startInfoRegister
      }
      guard GuestMemoryInput.guestFrames.contains(read.startInfoFrame) else {
        fatalError("start_info accepted in frame \(read.startInfoFrame), which is not the guest's")
      }
      for frame in [read.storeMFN, read.consoleMFN] {
        if let problem = GuestPhysicalMap.entryProblem(frame, width: input.width) {
          fatalError("ring frame \(frame) accepted although it is \(problem)")
        }
        guard GuestMemoryInput.guestFrames.contains(frame) else {
          fatalError("ring frame \(frame) accepted although it is not the guest's")
        }
      }
      return .read(startInfoFrame: read.startInfoFrame, storeMFN: read.storeMFN, consoleMFN: read.consoleMFN)
    } catch let error as XenCallError {
      guard error.call == XenHostOperation.readGuestMemory.rawValue, error.domain == domain else {
        fatalError("refused with an error of another call: \(error)")
      }
      return .refused(error.description)
    } catch let error as SuspendResumeError {
      guard case .unsupported(domain, guestType: .pv, _) = error else {
        fatalError("refused with an unexpected controller error: \(error)")
      }
      return .refused("\(error)")
    } catch {
      fatalError("refused with an error of an unexpected type: \(error)")
    }
  }
}
