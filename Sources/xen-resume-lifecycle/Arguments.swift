import SwiftXenResume
import XenResumeLifecycle

/// The command line, parsed by hand: small and fixed, and the real-Xen harness depends on it exactly.
struct Arguments {
  static let usage = """
    usage: xen-resume-lifecycle --guest <domid>:<pv|pvh|pvhvm|hvm>[:<console log>] [--guest ...]
                                [--scenario NAME ...] [--cycle-timeout-seconds N] [--replace-timeout-seconds N]
                                [--image-dir DIR] [--xenstored-pid-file FILE]

    Runs the lifecycle scenarios in dom0 over one SuspendController kept for the whole run (a toolstack daemon's
    situation), with a second LibxenHost and xl playing another toolstack on the same guests. Every guest must be
    running; it is suspended, resumed, suspended by the other toolstack, and (PV) saved and restored under its id,
    and left running. Run it while nothing else touches the guests. Prints one JSON result per step, then
    {"lifecycleSummary":{"passed":N,"failed":N,"skipped":N}}; exits 0 when nothing failed, 1 otherwise, 2 on a
    usage error.

      --guest <domid>:<type>[:<log>]  a guest (repeatable; not domain 0); <log> is its console log, whose
                                      "RX-COUNTER n" lines tell that it is alive (else: its cpu time growing)
      --scenario NAME                 foreign-suspend, leftover-subscription, eventchannel-then-xenstore,
                                      domid-reuse (repeatable; default these four, in that order), or
                                      xenstored-lost (kills xenstored: only as the host's very last act)
      --cycle-timeout-seconds N       the timeout of each suspend expected to succeed (default 60)
      --replace-timeout-seconds N     the limit of xl save and of xl restore, each (default 240)
      --image-dir DIR                 where xl save writes its image (default /tmp)
      --xenstored-pid-file FILE       xenstored's pid, for xenstored-lost (default /run/xenstored.pid)
    """

  /// A command line that cannot be run, with the reason to print above the usage.
  struct UsageError: Error {
    let message: String
  }

  var guests: [LifecycleGuest] = []
  var consoleLogs: [DomainID: String] = [:]
  var settings = LifecycleSettings(replaceTimeout: .seconds(240))
  var imageDirectory = "/tmp"
  var xenstoredPidFile = "/run/xenstored.pid"
  var helpRequested = false

  init(_ arguments: some Sequence<String>) throws(UsageError) {
    var scenarios: [LifecycleScenario] = []
    var remaining = arguments.makeIterator()
    let options = [
      "--guest", "--scenario", "--cycle-timeout-seconds", "--replace-timeout-seconds", "--image-dir",
      "--xenstored-pid-file",
    ]
    while let argument = remaining.next() {
      if argument == "--help" || argument == "-h" {
        helpRequested = true
        return
      }
      guard options.contains(argument) else { throw UsageError(message: "unknown argument \"\(argument)\"") }
      guard let value = remaining.next() else { throw UsageError(message: "\(argument) needs a value") }
      switch argument {
      case "--guest":
        try addGuest(value)
      case "--scenario":
        guard let scenario = LifecycleScenario(rawValue: value) else {
          throw UsageError(message: "unknown scenario \"\(value)\"")
        }
        scenarios.append(scenario)
      case "--image-dir":
        imageDirectory = value
      case "--xenstored-pid-file":
        xenstoredPidFile = value
      default:
        guard let seconds = Double(value), seconds > 0, seconds.isFinite else {
          throw UsageError(message: "\(argument) takes a positive number of seconds, not \"\(value)\"")
        }
        if argument == "--cycle-timeout-seconds" {
          settings.cycleTimeout = .seconds(seconds)
        } else {
          settings.replaceTimeout = .seconds(seconds)
        }
      }
    }
    if !scenarios.isEmpty { settings.scenarios = scenarios }
  }

  private mutating func addGuest(_ value: String) throws(UsageError) {
    // domid:type, then the log path, which may itself hold colons.
    let parts = value.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
    guard parts.count >= 2, let domain = DomainID(String(parts[0])), let type = GuestType(rawValue: String(parts[1]))
    else {
      throw UsageError(message: "--guest takes <domid>:<pv|pvh|pvhvm|hvm>[:<console log>], not \"\(value)\"")
    }
    guard domain != .dom0 else { throw UsageError(message: "domain 0 runs the toolstack and cannot be suspended") }
    guard domain <= .maximumGuestID else { throw UsageError(message: "domain \(domain) is a reserved id, not a guest") }
    guard !guests.contains(where: { $0.domain == domain }) else {
      throw UsageError(message: "domain \(domain) is given twice")
    }
    guests.append(LifecycleGuest(domain: domain, type: type))
    if parts.count == 3, !parts[2].isEmpty { consoleLogs[domain] = String(parts[2]) }
  }
}
