import ArgumentParser
import SwiftXenResume

/// Parses a domain id as `xl` writes it: a decimal number from 0 to 32751 (`DOMID_FIRST_RESERVED - 1`).
///
/// Domain 0 parses (it is a domain), and the library refuses to suspend or resume it with its own message.
enum DomainArgument {
  /// The domain, or a one-line explanation.
  static func parse(_ text: String) throws(ValidationError) -> DomainID {
    guard let domain = DomainID(String(text.trimmingWhitespace)) else {
      throw ValidationError("'\(text)' is not a domain id; give the number `xl list` shows, e.g. 7")
    }
    guard domain <= .maximumGuestID else {
      throw ValidationError("'\(text)' is not a domain id; ids go from 0 to \(DomainID.maximumGuestID)")
    }
    return domain
  }
}
