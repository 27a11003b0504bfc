internal import CXen
import SystemPackage
import XenResumeCore

// The four library handles all import as the same `OpaquePointer`; one noncopyable owner type per library keeps them
// from being mixed up, and its `deinit` is the only place that closes the handle, so each is closed exactly once.
// Owners live inside `Mutex`es, which is what makes the non-`Sendable` pointers safe to share between threads.

/// Owns an `xc_interface *` (libxenctrl).
struct ControlInterface: ~Copyable {
  /// The handle; only borrowed for the length of one call under the owner's lock.
  let raw: OpaquePointer

  /// Opens libxenctrl with the silent logger, so that a machine without Xen gets an error and no stderr output.
  init() throws(XenCallError) {
    raw = try LibxenOpen.handle("xc_interface_open", device: "/dev/xen/privcmd") {
      xc_interface_open(cxen_quiet_logger(), cxen_quiet_logger(), 0)
    }
  }

  deinit { xc_interface_close(raw) }
}

/// Owns a `struct xs_handle *` (libxenstore).
struct XenStoreHandle: ~Copyable {
  /// The handle; only borrowed for the length of one call under the owner's lock.
  let raw: OpaquePointer

  /// Connects to xenstored's socket, or to the xenbus device when xenstored runs in a stub domain.
  init() throws(XenCallError) {
    raw = try LibxenOpen.handle("xs_open", device: "/var/run/xenstored/socket (or /dev/xen/xenbus)") { xs_open(0) }
  }

  deinit { xs_close(raw) }
}

/// Owns a `xenevtchn_handle *` (libxenevtchn).
struct EventChannelHandle: ~Copyable {
  /// The handle; only borrowed for the length of one call under the owner's lock.
  let raw: OpaquePointer

  /// Opens the event channel device with the silent logger.
  init() throws(XenCallError) {
    raw = try LibxenOpen.handle("xenevtchn_open", device: "/dev/xen/evtchn") {
      xenevtchn_open(cxen_quiet_logger(), 0)
    }
  }

  deinit { _ = xenevtchn_close(raw) }
}

/// Owns a `xenforeignmemory_handle *` (libxenforeignmemory).
struct ForeignMemoryHandle: ~Copyable {
  /// The handle; only borrowed for the length of one call under the owner's lock.
  let raw: OpaquePointer

  /// Opens the privileged command device for foreign mappings, with the silent logger.
  init() throws(XenCallError) {
    raw = try LibxenOpen.handle("xenforeignmemory_open", device: "/dev/xen/privcmd") {
      xenforeignmemory_open(cxen_quiet_logger(), 0)
    }
  }

  deinit { _ = xenforeignmemory_close(raw) }
}

/// Opening a handle fails the same way in every library: NULL and errno, ENOENT when the device is absent.
enum LibxenOpen {
  /// Runs a handle constructor and, when its device is missing, says so in the hint: on a machine that is not a Xen
  /// dom0 that is the usual cause, and "No such file or directory" alone does not name the file.
  static func handle(_ call: String, device: String, _ body: () -> OpaquePointer?) throws(XenCallError)
    -> OpaquePointer
  {
    do {
      return try LibxenCall.pointer(call, body)
    } catch {
      guard error.errno == .noSuchFileOrDirectory else { throw error }
      throw XenCallError(call: call, errno: error.errno, hint: "is this a Xen dom0? \(device) is missing")
    }
  }
}
