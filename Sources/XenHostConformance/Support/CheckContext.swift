import SystemPackage
import XenResumeCore

/// What a check works with: the host under test, the suite's clock and settings, and the assertions every check
/// shares.
struct CheckContext: Sendable {
  let host: any XenHost
  let clock: any ControllerClock
  /// The library's deadline timer (one timer for every timed wait of a run, as in the controller).
  let timer: DeadlineTimer
  let settings: ConformanceSettings

  /// A deadline one step's timeout from now.
  func stepDeadline() -> Deadline {
    Deadline(after: settings.timeout, on: clock, timer: timer)
  }

  /// A deadline one quiet period from now: how long a check listens to be sure an event does not come.
  func quietDeadline() -> Deadline {
    Deadline(after: settings.quietPeriod, on: clock, timer: timer)
  }

  /// Runs a call that must fail with `errno`; a success or another error is a broken rule.
  func expectFailure(
    _ errno: Errno, _ what: String, _ call: () throws -> some Any
  ) throws(CheckFailure) {
    do {
      _ = try call()
    } catch let error as XenCallError {
      guard error.errno == errno else {
        throw CheckFailure("\(what): expected \(Self.name(of: errno)), got \(Self.name(of: error.errno)) (\(error))")
      }
      return
    } catch {
      throw CheckFailure("\(what): expected \(Self.name(of: errno)), got \(error)")
    }
    throw CheckFailure("\(what): expected \(Self.name(of: errno)), but the call succeeded")
  }

  /// Fails the check unless `condition` holds.
  func expect(_ condition: Bool, _ detail: @autoclosure () -> String) throws(CheckFailure) {
    if !condition { throw CheckFailure(detail()) }
  }

  /// The guest's info, which must show it running (not shut down, paused or dying); otherwise the check cannot
  /// start without disturbing a guest someone else is handling, and is skipped.
  func requireRunning(_ guest: ConformanceGuest) throws -> DomainInfo {
    let info: DomainInfo
    do {
      info = try host.domainInfo(guest.domain)
    } catch let error as XenCallError where error.errno == .noSuchProcess {
      throw CheckSkip("domain \(guest.domain) does not exist")
    }
    let state = DomainState(info)
    guard state == .running else { throw CheckSkip("the guest is \(state), not running: left alone") }
    return info
  }

  /// The width of the guest's vcpu contexts: a PV guest's own, the host's for HVM containers (as libxenguest's
  /// `xc_domain_resume` decides it).
  func contextWidth(of guest: ConformanceGuest) throws -> GuestWidth {
    guest.type.isHVMContainer ? try host.hostWidth() : try host.guestWidth(of: guest.domain)
  }

  /// `ESRCH (No such process)` and the like, for details.
  static func name(of errno: Errno) -> String {
    let names: [Errno: String] = [
      .noSuchProcess: "ESRCH", .invalidArgument: "EINVAL", .noSuchFileOrDirectory: "ENOENT",
      .resourceTemporarilyUnavailable: "EAGAIN", .notPermitted: "EPERM", .permissionDenied: "EACCES",
      .socketNotConnected: "ENOTCONN", .noData: "ENODATA", .badFileDescriptor: "EBADF",
    ]
    return names[errno].map { "\($0) (errno \(errno.rawValue))" } ?? "errno \(errno.rawValue)"
  }
}
