import DomZeroProcess
import Glibc
import SwiftXenResume
import XenResumeLifecycle

/// The other toolstack in dom0: raw calls through a second `LibxenHost` (its own libxenctrl, xenstore and event
/// channel handles, so the controller learns of them only through Xen), and xl for what lies beyond the seam.
struct DomZeroToolstack: OtherToolstack {
  let libxen: LibxenHost
  /// Each guest's console log (xenconsoled's `--log=guest` file, or the HVM serial log), for the liveness check.
  let consoleLogs: [DomainID: String]
  /// Where `xl save` writes its image (a tmpfs in dom0: it must hold the guest's memory).
  let imageDirectory: String

  /// xenstored's pid file (dom0 starts it with `--pid-file`), for the xenstored-lost scenario.
  let xenstoredPidFile: String

  var host: any XenHost { libxen }

  /// SIGKILL to the pid in xenstored's pid file: the daemon vanishes without closing anything, as in a crash.
  func killXenStore() async throws -> String {
    let text = FileTail.read(xenstoredPidFile, maxBytes: 32) ?? ""
    guard let pid = pid_t(text.filter { $0.isNumber }), pid > 1 else {
      throw Spawn.Failure(description: "no xenstored pid in \(xenstoredPidFile) (\"\(text)\")")
    }
    guard kill(pid, SIGKILL) == 0 else {
      throw Spawn.Failure(description: "kill \(pid): \(String(cString: strerror(errno)))")
    }
    return "xenstored pid \(pid) (SIGKILL)"
  }

  func pause(_ domain: DomainID) async throws {
    try await xl(["pause", "\(domain)"], domain: domain)
  }

  func unpause(_ domain: DomainID) async throws {
    try await xl(["unpause", "\(domain)"], domain: domain)
  }

  /// The C reference client (what libxl does, over libxenctrl, libxenguest and libxenstore): a suspend over the
  /// xenstore control node, awaited on `@releaseDomain`.
  func suspendCooperatively(_ guest: LifecycleGuest, timeout: Duration) async throws -> String {
    try await cClientSuspend(guest, path: "xenstore", timeout: timeout)
  }

  /// The C reference client through the guest's suspend event channel, with libxenguest's lock and binding.
  func suspendThroughChannel(_ guest: LifecycleGuest, timeout: Duration) async throws -> String {
    try await cClientSuspend(guest, path: "evtchn", timeout: timeout)
  }

  /// `xc-suspend-resume suspend` on `path` (its `--path` word), given `timeout` and ten seconds more to exit.
  private func cClientSuspend(_ guest: LifecycleGuest, path: String, timeout: Duration) async throws -> String {
    let milliseconds = timeout.components.seconds * 1000
    return try await tool(
      ["xc-suspend-resume", "suspend", "\(guest.domain)", "--path", path, "--timeout-ms", "\(milliseconds)"],
      domain: guest.domain, limit: timeout + .seconds(10))
  }

  /// The C reference client's fast resume (`xc_domain_resume(fast=1)`).
  func resumeCooperatively(_ guest: LifecycleGuest) async throws -> String {
    try await tool(["xc-suspend-resume", "resume", "\(guest.domain)", "--fast"], domain: guest.domain)
  }

  private func xl(_ arguments: [String], domain: DomainID) async throws {
    _ = try await tool(["xl"] + arguments, domain: domain)
  }

  /// Runs a tool to completion; its command line, status and output as text, or thrown when it failed.
  private func tool(_ arguments: [String], domain: DomainID, limit: Duration = .seconds(60)) async throws -> String {
    let outcome = try await Spawn.run(
      arguments, limit: limit, outputPath: "\(imageDirectory)/lifecycle-\(arguments[0])-\(domain).out")
    let text = "\(arguments.joined(separator: " ")): \(outcome.status) in \(outcome.milliseconds) ms: \(outcome.output)"
    guard outcome.succeeded else { throw Spawn.Failure(description: text) }
    return String(text.prefix(400))
  }

  /// `xl save -D` (the image keeps the domain id; xl destroys the domain once saved), then, once Xen has let go of
  /// the id, `xl restore` (the new domain under that id, unpaused). The image is removed afterwards. A save that fails leaves the guest suspended
  /// by libxl: it is resumed fast with the C client, so the rest of the run still has it. (Measured here: the lab's
  /// 128 MiB PV guest had its whole image written after 150 s under emulation; ballooned down to 64 MiB first to
  /// save time, it ran out of memory and panicked.)
  func replace(_ guest: LifecycleGuest, timeout: Duration) async -> Replacement {
    var facts: [JSONMember] = []
    let domain = guest.domain
    let image = "\(imageDirectory)/lifecycle-\(domain).save"
    defer { unlink(image) }
    do {
      let info = try libxen.domainInfo(domain)
      let memoryKiB = info.totalPages * 4
      let free = FileTail.freeBytes(imageDirectory)
      facts += [
        JSONMember("imageDirectory", .string(imageDirectory)),
        JSONMember("guestMemoryBytes", .integer(memoryKiB * 1024)),
        JSONMember("freeBytesBefore", free.map { .integer($0) } ?? .null),
      ]
      // The image holds every guest page plus a little; a full tmpfs would fail the save half way.
      if let free, free < memoryKiB * 1024 + 32 << 20 {
        return Replacement(
          facts: facts, failure: "\(free) bytes free in \(imageDirectory), the guest has \(memoryKiB) KiB")
      }
      let save = try await Spawn.run(
        ["xl", "save", "-D", "\(domain)", image], limit: timeout, outputPath: image + ".out")
      facts += [
        JSONMember("save", stageFacts(save)),
        JSONMember("imageBytes", FileTail.size(image).map { .integer($0) } ?? .null),
      ]
      guard save.succeeded else {
        facts.append(JSONMember("recovered", .string(await recoverAfterFailedSave(domain))))
        return Replacement(facts: facts, failure: "xl save -D: \(save.status)")
      }
      // xl save returns while Xen still tears the old domain down; a restore asking for its id before it is gone
      // fails ("cannot make domain", seen on real Xen).
      facts.append(JSONMember("oldDomainGone", .string(try await awaitGone(domain, limit: .seconds(60)))))
      let restore = try await Spawn.run(["xl", "restore", image], limit: timeout, outputPath: image + ".out")
      facts.append(JSONMember("restore", stageFacts(restore)))
      guard restore.succeeded else { return Replacement(facts: facts, failure: "xl restore: \(restore.status)") }
      return Replacement(facts: facts)
    } catch {
      return Replacement(facts: facts, failure: "\(error)")
    }
  }

  /// Waits until Xen no longer knows the domain (ESRCH), polling; says how long it took.
  private func awaitGone(_ domain: DomainID, limit: Duration) async throws -> String {
    let clock = ContinuousClock()
    let start = clock.now
    while true {
      do {
        let info = try libxen.domainInfo(domain)
        guard clock.now - start < limit else { return "still \(DomainState(info)) after \(limit)" }
      } catch let error as XenCallError where error.errno == .noSuchProcess {
        return "after \(clock.now - start)"
      }
      try await Task.sleep(for: .milliseconds(100))
    }
  }

  /// After a failed or killed `xl save`: a domain libxl left suspended is resumed fast (it suspended cooperatively).
  private func recoverAfterFailedSave(_ domain: DomainID) async -> String {
    do {
      let info = try libxen.domainInfo(domain)
      guard info.isSuspended else { return "nothing to do: the domain is \(DomainState(info))" }
      return try await tool(["xc-suspend-resume", "resume", "\(domain)", "--fast"], domain: domain)
    } catch {
      return "could not recover: \(error)"
    }
  }

  private func stageFacts(_ outcome: Spawn.Outcome) -> JSONValue {
    [
      "status": .string(outcome.status), "milliseconds": .integer(outcome.milliseconds),
      "output": .string(String(outcome.output.suffix(300))),
    ]
  }

  /// The guest prints `RX-COUNTER n` every second: alive when the last number moves within the limit (emulated HVM
  /// containers print slower). Without a console log, Xen's CPU time must grow instead.
  func liveness(of guest: LifecycleGuest) async -> Liveness {
    let limit: Duration = guest.type == .pv || guest.type == .pvh ? .seconds(15) : .seconds(40)
    let clock = ContinuousClock()
    let end = clock.now + limit
    guard let log = consoleLogs[guest.domain] else {
      let first = try? libxen.domainInfo(guest.domain).cpuTime
      while clock.now < end {
        try? await Task.sleep(for: .milliseconds(500))
        if let first, let now = try? libxen.domainInfo(guest.domain).cpuTime, now > first {
          return Liveness(alive: true, evidence: "cpu time \(first)->\(now) ns")
        }
      }
      return Liveness(alive: false, evidence: "cpu time did not grow in \(limit)")
    }
    let start = Self.counter(in: log)
    while clock.now < end {
      try? await Task.sleep(for: .milliseconds(500))
      let now = Self.counter(in: log)
      if let now, now > (start ?? -1) { return Liveness(alive: true, evidence: "\(start ?? 0)->\(now)") }
    }
    return Liveness(alive: false, evidence: "\(start.map(String.init) ?? "none")->(no progress in \(limit))")
  }

  /// The last `RX-COUNTER n` in the log's last 4 KiB.
  static func counter(in log: String) -> Int? {
    FileTail.read(log, maxBytes: 4096).flatMap(ConsoleCounter.last(in:))
  }

}
