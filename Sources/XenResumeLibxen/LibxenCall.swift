import SystemPackage
import XenResumeCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The one place where the Xen libraries' failure conventions become `XenCallError`.
///
/// libxenctrl returns -1, libxenstore `false` or NULL, libxenforeignmemory NULL, and all of them leave the reason in
/// errno, which the next C call on the same thread may overwrite. Every call therefore goes through one of these
/// wrappers, which run the call and read errno in the same synchronous step (as swift-system's syscall wrappers and
/// NIO's `syscall` loop do), and name the failing call after its `XenHostOperation`.
enum LibxenCall {
  /// Runs a call that returns a negative number on failure (`int`, `xenevtchn_port_or_error_t`).
  static func value<Result: BinaryInteger>(
    _ call: String,
    domain: DomainID? = nil,
    hint: String? = nil,
    _ body: () -> Result
  ) throws(XenCallError) -> Result {
    errno = 0
    let result = body()
    guard result >= 0 else { throw failure(call, domain: domain, errno: currentErrno(), hint: hint) }
    return result
  }

  /// Runs a call that returns NULL on failure (handle constructors, `xs_read`, `xenforeignmemory_map`).
  static func pointer<Pointer>(
    _ call: String,
    domain: DomainID? = nil,
    hint: String? = nil,
    _ body: () -> Pointer?
  ) throws(XenCallError) -> Pointer {
    errno = 0
    guard let result = body() else { throw failure(call, domain: domain, errno: currentErrno(), hint: hint) }
    return result
  }

  /// Runs a call that returns `false` on failure (libxenstore's `bool` functions).
  static func success(
    _ call: String,
    domain: DomainID? = nil,
    hint: String? = nil,
    _ body: () -> Bool
  ) throws(XenCallError) {
    errno = 0
    guard body() else { throw failure(call, domain: domain, errno: currentErrno(), hint: hint) }
  }

  /// `value(_:domain:hint:_:)` for a `XenHost` requirement.
  static func value<Result: BinaryInteger>(
    _ operation: XenHostOperation,
    domain: DomainID? = nil,
    hint: String? = nil,
    _ body: () -> Result
  ) throws(XenCallError) -> Result {
    try value(operation.rawValue, domain: domain, hint: hint, body)
  }

  /// `pointer(_:domain:hint:_:)` for a `XenHost` requirement.
  static func pointer<Pointer>(
    _ operation: XenHostOperation,
    domain: DomainID? = nil,
    hint: String? = nil,
    _ body: () -> Pointer?
  ) throws(XenCallError) -> Pointer {
    try pointer(operation.rawValue, domain: domain, hint: hint, body)
  }

  /// `success(_:domain:hint:_:)` for a `XenHost` requirement.
  static func success(
    _ operation: XenHostOperation,
    domain: DomainID? = nil,
    hint: String? = nil,
    _ body: () -> Bool
  ) throws(XenCallError) {
    try success(operation.rawValue, domain: domain, hint: hint, body)
  }

  /// errno as left by the call that just failed. A library that fails without setting errno (errno was cleared
  /// before the call) reports EIO rather than a misleading "Success".
  static func currentErrno() -> Errno {
    let value = errno
    return Errno(rawValue: value == 0 ? EIO : value)
  }

  /// Builds the error, adding the hint that most often explains the errno when the call site gave none.
  static func failure(_ call: String, domain: DomainID?, errno: Errno, hint: String?) -> XenCallError {
    XenCallError(call: call, domain: domain, errno: errno, hint: hint ?? defaultHint(for: errno, domain: domain))
  }

  /// What usually causes an errno in dom0 toolstack calls.
  static func defaultHint(for errno: Errno, domain: DomainID?) -> String? {
    switch errno {
    case .notPermitted, .permissionDenied:
      "needs root in dom0 (or an XSM policy that grants this call)"
    case .noSuchProcess where domain != nil:
      "no such domain"
    default:
      nil
    }
  }
}
