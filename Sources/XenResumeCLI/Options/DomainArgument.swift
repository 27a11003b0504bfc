import ArgumentParser
import SwiftXenResume

/// A domain as the command line names it: by id, or by the name `xl list` shows, which only the host can turn into
/// an id (`DomainResolution`, once the backend is open).
enum DomainReference: Sendable, Hashable, CustomStringConvertible {
  /// A domain id: the argument was a decimal number.
  case id(DomainID)
  /// A domain name, as libxl writes it in xenstore's `/local/domain/<id>/name`.
  case name(String)

  /// The argument as the operator wrote it (without surrounding whitespace), for messages.
  var description: String {
    switch self {
    case .id(let domain): "\(domain)"
    case .name(let name): name
    }
  }
}

/// Parses a domain argument as `xl` reads one: a decimal number is a domain id from 0 to 32751
/// (`DOMID_FIRST_RESERVED - 1`), anything else is a domain name.
///
/// Domain 0 parses (it is a domain), and the library refuses to suspend or resume it with its own message. xl puts
/// few rules on names, so only what cannot be one is refused here: an empty name, a `/` (the name is one xenstore
/// node's value, and libxl refuses it in a rename), control characters (a name is printed on one line), and a
/// leading `-` (it would read as an option).
enum DomainArgument {
  /// The domain reference, or a one-line explanation.
  static func parse(_ text: String) throws(ValidationError) -> DomainReference {
    let trimmed = String(text.trimmingWhitespace)
    if !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) {
      guard let domain = DomainID(trimmed), domain <= .maximumGuestID else {
        throw ValidationError("'\(text)' is not a domain id; ids go from 0 to \(DomainID.maximumGuestID)")
      }
      return .id(domain)
    }
    guard !trimmed.isEmpty else {
      throw ValidationError("the domain is empty; give the id or the name `xl list` shows, e.g. 7 or web1")
    }
    guard !trimmed.hasPrefix("-") else {
      throw ValidationError("'\(text)' is not a domain id or name; ids are numbers from 0, names do not start with -")
    }
    guard !trimmed.contains("/"), !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
    else {
      throw ValidationError("'\(text)' cannot be a domain name: names hold no '/' and no control characters")
    }
    return .name(trimmed)
  }
}
