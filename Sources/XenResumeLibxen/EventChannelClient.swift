internal import CXen
import Synchronization
import SystemPackage
import XenResumeCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// libxenevtchn behind one lock, with fired ports recorded per port.
///
/// The event channel device reports fired ports, one at a time and in any order, on a single descriptor for all the
/// handle's ports; the kernel masks each port until it is unmasked. Whoever reads the device (the reader thread for
/// `waitForEvent`, or `consumePendingEvent` polling without waiting) therefore records every port it reads as pending
/// and unmasks it, so an event for another port than the one asked about is never lost. Reading and recording happen
/// under the handle's lock, so a port is either still in the device or already recorded, never in between.
final class EventChannelClient: Sendable {
  private let handle: Mutex<EventChannelHandle>
  /// `xenevtchn_fd`: fixed for the life of the handle, so it is read once instead of under the lock each time. The
  /// library owns it and closes it with the handle.
  private let descriptor: FileDescriptor
  private let pending = EventMailboxes<UInt32, Void>(coalescing: true)
  private let reader = Mutex<PollingThread?>(nil)

  /// Opens the event channel device.
  init() throws(XenCallError) {
    let opened = try EventChannelHandle()
    descriptor = FileDescriptor(rawValue: xenevtchn_fd(opened.raw))
    handle = Mutex(opened)
  }

  /// Stops the reader thread, which holds a reference to this client until then.
  func shutdown() {
    let thread = reader.withLock { $0.take() }
    _ = consume thread
  }

  /// `xenevtchn_bind_interdomain`. The port's mailbox opens under the same lock as the bind, so the event Xen leaves
  /// pending on a fresh binding is recorded rather than dropped as belonging to an unknown port.
  func bind(to domain: DomainID, domainID: UInt32, remotePort: EventChannelPort) throws -> EventChannelPort {
    try startReaderIfNeeded()
    return try handle.withLock { handle in
      let port = try LibxenCall.value(.bindInterdomainEventChannel, domain: domain) {
        xenevtchn_bind_interdomain(handle.raw, domainID, remotePort.rawValue)
      }
      pending.open(UInt32(port))
      return EventChannelPort(UInt32(port))
    }
  }

  /// `xenevtchn_notify`.
  func notify(_ port: EventChannelPort) throws {
    try handle.withLock { handle in
      _ = try LibxenCall.value(.notify) { xenevtchn_notify(handle.raw, port.rawValue) }
    }
  }

  /// Reads whatever the device has ready, then takes this port's pending event if there is one.
  func consumePendingEvent(on port: EventChannelPort) throws -> Bool {
    try handle.withLock { handle in try drainReadyPorts(handle.raw, operation: .consumePendingEvent) }
    guard pending.isOpen(port.rawValue) else { throw Self.unknownPort(.consumePendingEvent) }
    return pending.take(from: port.rawValue) != nil
  }

  /// Waits until the reader thread records an event on the port, or one is already recorded.
  func waitForEvent(on port: EventChannelPort) async throws {
    try await pending.next(from: port.rawValue, missing: Self.unknownPort(.waitForEvent))
  }

  /// `xenevtchn_unbind`; pending waits on the port fail and its recorded event is dropped.
  func unbind(_ port: EventChannelPort) throws {
    try handle.withLock { handle in
      _ = try LibxenCall.value(.unbind) { xenevtchn_unbind(handle.raw, port.rawValue) }
      pending.close(
        port.rawValue,
        failingWaitersWith: XenCallError(.waitForEvent, errno: .socketNotConnected, hint: "the port was unbound"))
    }
  }

  /// ENOTCONN, which is what the Linux event channel device answers for a port not bound on its descriptor.
  private static func unknownPort(_ operation: XenHostOperation) -> XenCallError {
    XenCallError(operation, errno: .socketNotConnected, hint: "the port is not bound by this host")
  }

  private func startReaderIfNeeded() throws {
    try reader.withLock { (reader: inout PollingThread?) in
      if reader != nil { return }
      reader = try PollingThread(
        polling: descriptor,
        call: .bindInterdomainEventChannel,
        onReadable: {
          do {
            try self.handle.withLock { handle in try self.drainReadyPorts(handle.raw, operation: .waitForEvent) }
            return true
          } catch {
            self.pending.fail(with: error as? XenCallError ?? XenCallError(.waitForEvent, errno: .ioError))
            return false
          }
        },
        onFailure: { errno in
          self.pending.fail(with: XenCallError(.waitForEvent, errno: errno, hint: "the event reader's poll failed"))
        })
    }
  }

  /// Reads every port the device has ready without blocking (a zero-timeout poll before each read, since the device
  /// descriptor blocks), then unmasks and records each. Must run under the handle's lock.
  ///
  /// The ports are unmasked only after the device has nothing more to read: the kernel masks a port once it fires,
  /// so each port is read at most once per call and the loop ends after at most one read per bound port. Unmasking
  /// each as it was read would let a guest that notifies its port without pause keep this loop, and the lock every
  /// other call on this handle waits for, going for as long as it liked.
  private func drainReadyPorts(_ xce: OpaquePointer, operation: XenHostOperation) throws(XenCallError) {
    var fired: [UInt32] = []
    do {
      while true {
        let ready = try LibxenCall.system(operation, hint: "poll on the event channel device") { () throws(Errno) in
          try FileDescriptor.poll(readable: [descriptor], timeout: .zero)
        }
        if !ready[0] { break }
        fired.append(UInt32(try LibxenCall.value(operation) { xenevtchn_pending(xce) }))
      }
    } catch {
      // The ports already read are recorded and unmasked all the same, or they would never fire again.
      _ = try? unmaskAndRecord(fired, xce, operation: operation)
      throw error
    }
    try unmaskAndRecord(fired, xce, operation: operation)
  }

  /// Unmasks and records each port, all of them even when one cannot be unmasked; throws the first failure.
  private func unmaskAndRecord(
    _ ports: [UInt32], _ xce: OpaquePointer, operation: XenHostOperation
  ) throws(XenCallError) {
    var firstFailure: XenCallError?
    for port in ports {
      do {
        _ = try LibxenCall.value(operation, hint: "xenevtchn_unmask of port \(port)") { xenevtchn_unmask(xce, port) }
      } catch {
        firstFailure = firstFailure ?? error
      }
      pending.deliver((), to: port)
    }
    if let firstFailure { throw firstFailure }
  }

}
