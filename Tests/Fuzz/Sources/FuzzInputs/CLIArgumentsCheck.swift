import ArgumentParser

@testable import XenResumeCLI

/// The `cli-arguments` target: an arbitrary command line, split at NUL bytes into at most 16 arguments, parsed by
/// xen-resume's root command exactly as the executable parses it (without running anything), and each argument
/// also parsed on its own as a duration and as a domain, the values an operator types.
///
/// The promises: parsing never traps, whatever the bytes; a duration that parses is between 0 and 24 hours; a
/// domain id that parses is at most `DomainID.maximumGuestID`, and a name holds no `/`, no control character, and
/// does not start with `-`. A usage error is an answer, not a failure.
public enum CLIArgumentsCheck {
  /// The arguments an input stands for.
  public static func arguments(_ bytes: some Collection<UInt8>) -> [String] {
    Array(bytes.split(separator: 0, omittingEmptySubsequences: false).prefix(16)).map {
      String(decoding: $0, as: UTF8.self)
    }
  }

  /// Parses the command line and each argument; traps on a broken promise.
  public static func run(_ bytes: some Collection<UInt8>) {
    let arguments = arguments(bytes)
    _ = try? XenResume.parseAsRoot(arguments)
    for argument in arguments {
      if let parsed = try? DurationArgument.parse(argument) {
        guard parsed.duration >= .zero, parsed.duration <= DurationArgument.maximum else {
          fatalError("\(argument.debugDescription) parsed as \(parsed.duration), outside 0 to 24 hours")
        }
      }
      switch try? DomainArgument.parse(argument) {
      case .id(let domain)?:
        guard domain <= .maximumGuestID else { fatalError("\(argument.debugDescription) parsed as id \(domain)") }
      case .name(let name)?:
        guard !name.isEmpty, !name.hasPrefix("-"), !name.contains("/"),
          !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { fatalError("\(argument.debugDescription) parsed as the name \(name.debugDescription)") }
      case nil:
        break
      }
    }
  }
}
