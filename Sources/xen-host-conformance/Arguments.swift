import XenHostConformance
import XenResumeCore

/// The command line, parsed by hand: the interface is small and fixed, and the real-Xen harness depends on it
/// exactly (`--guest <domid>:<type>` repeated, `--missing-domain`, `--timeout-seconds`).
struct Arguments {
  static let usage = """
    usage: xen-host-conformance --guest <domid>:<pv|pvh|pvhvm|hvm> [--guest ...] [--missing-domain <id>]
                                [--timeout-seconds N] [--quiet-seconds N]

    Runs Xen's rules at the XenHost seam over LibxenHost in dom0. Every guest must be running; it is suspended and
    resumed several times and left running. Run it while no other toolstack suspends or shuts down domains: some
    checks listen to the host-wide @releaseDomain for an event that must not come. Prints one JSON result per
    line, then {"summary":{"passed":N,"failed":N,"skipped":N}}; exits 0 when nothing failed, 1 otherwise, 2 on a
    usage error.

      --guest <domid>:<type>  a guest to run the per-guest checks on (repeatable; not domain 0)
      --missing-domain <id>   a domain id that does not exist (default \(DomainID.maximumGuestID.rawValue))
      --timeout-seconds N     how long one step may take (default 30)
      --quiet-seconds N       how long to listen for an event that must not come (default 2, at most the timeout)
    """

  /// A command line that cannot be run, with the reason to print above the usage.
  struct UsageError: Error {
    let message: String
  }

  var guests: [ConformanceGuest] = []
  var settings = ConformanceSettings()
  var helpRequested = false

  init(_ arguments: some Sequence<String>) throws(UsageError) {
    var missingDomain = DomainID.maximumGuestID
    var timeout: Duration = .seconds(30)
    var quiet: Duration?
    var remaining = arguments.makeIterator()
    while let argument = remaining.next() {
      if argument == "--help" || argument == "-h" {
        helpRequested = true
        return
      }
      guard ["--guest", "--missing-domain", "--timeout-seconds", "--quiet-seconds"].contains(argument) else {
        throw UsageError(message: "unknown argument \"\(argument)\"")
      }
      guard let value = remaining.next() else { throw UsageError(message: "\(argument) needs a value") }
      switch argument {
      case "--guest":
        guard let guest = ConformanceGuest(argument: value) else {
          throw UsageError(message: "--guest takes <domid>:<pv|pvh|pvhvm|hvm>, not \"\(value)\"")
        }
        guard guest.domain != .dom0 else {
          throw UsageError(message: "domain 0 runs the toolstack and cannot be suspended")
        }
        guard guest.domain <= .maximumGuestID else {
          throw UsageError(message: "domain \(guest.domain) is a reserved id, not a guest")
        }
        guard !guests.contains(where: { $0.domain == guest.domain }) else {
          throw UsageError(message: "domain \(guest.domain) is given twice")
        }
        guests.append(guest)
      case "--missing-domain":
        // Reserved ids (0x7FF0 up) are refused before any call, so they could not show ESRCH.
        guard let domain = DomainID(value), domain != .dom0, domain <= .maximumGuestID else {
          throw UsageError(
            message: "--missing-domain takes a domain number from 1 to \(DomainID.maximumGuestID), not \"\(value)\"")
        }
        missingDomain = domain
      default:
        guard let seconds = Double(value), seconds > 0, seconds.isFinite else {
          throw UsageError(message: "\(argument) takes a positive number of seconds, not \"\(value)\"")
        }
        if argument == "--timeout-seconds" { timeout = .seconds(seconds) } else { quiet = .seconds(seconds) }
      }
    }
    if guests.contains(where: { $0.domain == missingDomain }) {
      throw UsageError(message: "domain \(missingDomain) is a guest and cannot be the missing domain")
    }
    settings = ConformanceSettings(
      missingDomain: missingDomain, timeout: timeout, quietPeriod: quiet.map { min($0, timeout) })
  }
}
