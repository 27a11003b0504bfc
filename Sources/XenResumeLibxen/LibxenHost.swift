internal import CXen
import Synchronization
import SystemPackage
import XenResumeCore

/// The real `XenHost`: libxenctrl, libxenstore, libxenevtchn and libxenforeignmemory from libxen-dev, in dom0.
///
/// Each library handle has one owner and one lock: libxenctrl's `xc_interface` is not safe to use from several
/// threads at once, and errno and `xc_get_last_error` must be read in the same locked step as the call that set them.
/// Blocking waits (`nextWatchEvent`, `waitForEvent`) are served by two dedicated reader threads, started on first use,
/// so Swift's cooperative threads never block on Xen. Handles are closed when the host is released.
///
/// The libraries never print: they get a silent logger, and every failure is thrown as a `XenCallError` instead.
public final class LibxenHost: XenHost {
  let control: Mutex<ControlInterface>
  let xenstore: XenStoreClient
  let eventChannels: EventChannelClient
  let foreignMemory: Mutex<ForeignMemoryHandle>
  let suspendLocks: Mutex<SuspendLockTable>

  /// Notified around every `XenHost` call (each public call below wraps its C calls in `observe` exactly once).
  public let callObservers = HostCallObservers()

  /// Opens every library handle (libxenctrl first).
  ///
  /// On a machine that is not a Xen dom0 this throws a `XenCallError` naming the call that failed (usually
  /// `xc_interface_open`, errno ENOENT, with a hint about `/dev/xen/privcmd`); handles already opened are closed.
  public convenience init() throws {
    try self.init(suspendLockDirectory: SuspendLockTable.defaultDirectory)
  }

  /// Opens every handle, with suspend lock files in `suspendLockDirectory` instead of libxenguest's `/var/run/xen`.
  init(suspendLockDirectory: FilePath) throws(XenCallError) {
    // Each owner closes its handle when it goes out of scope, so a later failure releases the earlier handles.
    let control = try ControlInterface()
    let xenstore = try XenStoreClient()
    let eventChannels = try EventChannelClient()
    let foreignMemory = try ForeignMemoryHandle()
    self.control = Mutex(control)
    self.xenstore = xenstore
    self.eventChannels = eventChannels
    self.foreignMemory = Mutex(foreignMemory)
    self.suspendLocks = Mutex(SuspendLockTable(directory: suspendLockDirectory))
  }

  deinit {
    // The reader threads hold the clients; stopping them first lets the handles close as the properties go.
    xenstore.shutdown()
    eventChannels.shutdown()
  }

  /// Runs one libxenctrl call under the handle's lock. errno and libxenctrl's own last error are read before the lock
  /// is released; the latter is added to the hint when it has something to say.
  func controlCall<Result: BinaryInteger & Sendable>(
    _ operation: XenHostOperation,
    domain: DomainID? = nil,
    hint: String? = nil,
    _ body: (OpaquePointer) -> Result
  ) throws(XenCallError) -> Result {
    try control.withLock { (handle: inout ControlInterface) throws(XenCallError) -> Result in
      let xch = handle.raw
      xc_clear_last_error(xch)
      do throws(XenCallError) {
        return try LibxenCall.value(operation, domain: domain, hint: hint) { body(xch) }
      } catch {
        guard let message = Self.lastErrorMessage(xch) else { throw error }
        var annotated = error
        annotated.hint = [error.hint, "libxenctrl: \(message)"].compactMap { $0 }.joined(separator: "; ")
        throw annotated
      }
    }
  }

  private static func lastErrorMessage(_ xch: OpaquePointer) -> String? {
    guard let last = xc_get_last_error(xch), last.pointee.code != XC_ERROR_NONE else { return nil }
    let message = withUnsafeBytes(of: last.pointee.message) { bytes in
      String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
    return message.isEmpty ? nil : message
  }
}
