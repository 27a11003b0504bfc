/// A domain's handle (`xen_domain_handle_t`): the 16 bytes the toolstack gives a domain when it creates it, which
/// libxl fills with the guest's UUID.
///
/// Domain ids are reused once a domain is destroyed; the handle is what tells a new domain from an old one with the
/// same id (together with `DomainInfo.cpuTime`, which only grows during one domain's life).
public struct DomainHandle: Sendable, Hashable {
  /// The 16 bytes in the order Xen stores them (for libxl, a UUID's bytes in network order).
  public let bytes: [UInt8]

  /// A handle from its 16 bytes.
  public init(bytes: [UInt8]) {
    precondition(bytes.count == 16, "a domain handle has 16 bytes, not \(bytes.count)")
    self.bytes = bytes
  }

  /// All zeros: what Xen reports for a domain created without a handle (domain 0, or a raw `xc_domain_create`).
  public static let zero = DomainHandle(bytes: Array(repeating: 0, count: 16))
}

extension DomainHandle: CustomStringConvertible {
  /// The UUID form, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, as `xl list -l` prints it.
  public var description: String {
    let hex = bytes.map { byte -> String in
      let digits = String(byte, radix: 16)
      return digits.count == 1 ? "0" + digits : digits
    }
    return [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { hex[$0].joined() }.joined(separator: "-")
  }
}
