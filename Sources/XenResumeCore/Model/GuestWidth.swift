/// The word size of a guest's vcpu context: 32-bit (`x86_32`) or 64-bit (`x86_64`) layout.
public enum GuestWidth: Int, Sendable, Hashable, CaseIterable, Codable {
  /// 32-bit layout (`vcpu_guest_context_x86_32`, 4-byte frame numbers).
  case bits32 = 32
  /// 64-bit layout (`vcpu_guest_context_x86_64`, 8-byte frame numbers).
  case bits64 = 64

  /// The width in bytes, as `xc_domain_get_guest_width` reports it.
  public var bytes: Int { rawValue / 8 }

  /// Maps `xc_domain_get_guest_width`'s byte count to a width; `nil` for any other value.
  public init?(bytes: Int) {
    switch bytes {
    case 4: self = .bits32
    case 8: self = .bits64
    default: return nil
    }
  }
}

extension GuestWidth: CustomStringConvertible {
  /// "32-bit" or "64-bit".
  public var description: String { "\(rawValue)-bit" }
}
