import SystemPackage

/// A failed call into Xen: which C function (or hypercall) failed, for which domain, with which errno.
///
/// Every `XenHost` reports its failures as this error, so callers can switch on `errno` (`.noSuchProcess` is
/// ESRCH, a missing domain; `.notPermitted` is EPERM; `.resourceTemporarilyUnavailable` is a xenstore
/// transaction conflict) whichever backend is in use.
public struct XenCallError: Error, Hashable, Sendable {
  /// The C function that failed, e.g. `xc_domain_getinfolist` or `xs_transaction_end`.
  public var call: String
  /// The domain the call was about, when it was about one.
  public var domain: DomainID?
  /// The errno the call left.
  public var errno: Errno
  /// What the caller should check, e.g. "is this a Xen dom0? /dev/xen/privcmd is missing".
  public var hint: String?

  /// Describes a failed call.
  public init(call: String, domain: DomainID? = nil, errno: Errno, hint: String? = nil) {
    self.call = call
    self.domain = domain
    self.errno = errno
    self.hint = hint
  }
}

extension XenCallError: CustomStringConvertible {
  /// `xc_domain_getinfolist(domain 7) failed: No such process (errno 3)`, plus the hint when there is one.
  public var description: String {
    var text = call
    if let domain { text += "(domain \(domain))" }
    text += " failed: \(errno.description) (errno \(errno.rawValue))"
    if let hint { text += "; \(hint)" }
    return text
  }
}

extension XenCallError {
  /// What a backend throws once its connection to xenstored is gone (xenstored exited or restarted): errno
  /// ECONNRESET, with a hint saying so. Every backend throws this same error for a wait on a watch registered on the
  /// lost connection, so callers can recognise it whichever backend is in use; the watch is gone and must be
  /// registered again.
  public static func xenStoreConnectionLost(_ operation: XenHostOperation) -> XenCallError {
    XenCallError(
      operation, errno: .connectionReset,
      hint: "the connection to xenstored was lost (xenstored exited or restarted); watches registered on it are "
        + "gone, register them again")
  }
}
