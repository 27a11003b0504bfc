import XenResumeCore

/// Runs one check and turns what happened into a result: a returned detail is a pass, `CheckFailure` a fail,
/// `CheckSkip` a skip, and any other error (a call that should have worked) a fail naming the error.
struct CheckRunner {
  let check: ConformanceCheck
  let context: CheckContext

  func runOnHost() async -> ConformanceResult {
    guard case .host(let body) = check.body else { preconditionFailure("\(check.name) is a per-guest check") }
    let start = context.clock.elapsed()
    let (outcome, detail) = await verdict { try await body(context) }
    return result(guest: nil, outcome: outcome, detail: detail, since: start)
  }

  /// Runs the check in a session on `guest`, restores the guest whatever happened, and fails the check if a guest
  /// that was running before it is not running afterwards.
  func run(on guest: ConformanceGuest) async -> ConformanceResult {
    guard case .guest(let body) = check.body else { preconditionFailure("\(check.name) is a host-wide check") }
    let start = context.clock.elapsed()
    let wasRunning = (try? context.host.domainInfo(guest.domain)).map { DomainState($0) == .running } ?? false
    let session = GuestSession(guest, context)
    var (outcome, detail) = await verdict { try await body(session) }
    var complaints = session.restore()
    if wasRunning, let left = leftBehind(guest) { complaints.append(left) }
    if !complaints.isEmpty {
      outcome = .failed
      detail += "; and " + complaints.joined(separator: "; ")
    }
    return result(guest: guest, outcome: outcome, detail: detail, since: start)
  }

  private func verdict(_ body: () async throws -> String) async -> (ConformanceResult.Outcome, String) {
    do {
      return (.passed, try await body())
    } catch let failure as CheckFailure {
      return (.failed, failure.detail)
    } catch let skip as CheckSkip {
      return (.skipped, skip.reason)
    } catch let error as XenCallError {
      return (.failed, "unexpected failure: \(error)")
    } catch {
      return (.failed, "unexpected error: \(error)")
    }
  }

  /// A complaint when the guest is not running after its check and restore.
  private func leftBehind(_ guest: ConformanceGuest) -> String? {
    do {
      let state = DomainState(try context.host.domainInfo(guest.domain))
      return state == .running ? nil : "the guest was left \(state)"
    } catch {
      return "the guest's state could not be read afterwards: \(error)"
    }
  }

  private func result(
    guest: ConformanceGuest?, outcome: ConformanceResult.Outcome, detail: String, since start: Duration
  ) -> ConformanceResult {
    let elapsed = context.clock.elapsed() - start
    let milliseconds =
      Int(elapsed.components.seconds) * 1000 + Int(elapsed.components.attoseconds / 1_000_000_000_000_000)
    return ConformanceResult(
      check: check.name, guest: guest?.type, domain: guest?.domain, outcome: outcome, detail: detail,
      milliseconds: max(0, milliseconds))
  }
}
