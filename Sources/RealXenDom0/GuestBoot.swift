import DomZeroProcess
import RealXenLab
import Synchronization

/// Creates the lab's guests and waits for each one's first console counter line, the sign that its kernel booted and
/// its init runs: the start of its scenario group.
///
/// The main guests boot at once (HVM guests take minutes under emulation, so they start first and the PV and PVH
/// groups run meanwhile). The guests there for another kernel and the event channel guests
/// (`LabGuest.bootsInSecondWave`) start in a second wave (nine guests booting at once starved each other past libxl's
/// device-model timeout). When to start it is the lab's choice (`Lab.holdsForDeviceModelBoots`):
/// - held: once every first-wave guest, device-model guests included, has printed its first line or given up; and the
///   first wave's pause measurements wait for the same (`awaitFirstWave()`). In the 4.17 lab, with the second wave and
///   the measurements beside them, the HVM and PVHVM guests printed no line within their 480 s in three boots of
///   three; held, they booted in three of three;
/// - not held: second-wave PV and PVH guests once the first wave's PV and PVH guests have booted, second-wave
///   device-model guests once the first wave's have too. In the 4.20 lab, holding made six guests boot at once
///   beside the measurements, and three of them failed.
///
/// Tests/RealXen/README.md has the runs.
public final class GuestBoot: Sendable {
  private let lab: Dom0Lab
  private let firstWave: Set<String>
  private let firstWaveWithoutDeviceModels: Set<String>
  private let settled = Mutex<Set<String>>([])

  /// How long a device-model guest may take to its first line (and so how long the first wave may take): they need
  /// 146–287 s when nothing heavy runs beside them.
  static let deviceModelBootWait = 480.0
  /// How long a second-wave PV or PVH guest waits for the first wave's PV and PVH guests at most, when the lab does
  /// not hold it for the device-model boots: they print their first line within a minute or two.
  static let secondWaveWait = 300.0

  /// A boot of `guests` in `lab`.
  public init(lab: Dom0Lab, guests: [LabGuest]) {
    self.lab = lab
    let first = guests.filter { !$0.bootsInSecondWave }
    self.firstWave = Set(first.map(\.name))
    self.firstWaveWithoutDeviceModels = Set(first.filter { !$0.type.hasDeviceModel }.map(\.name))
  }

  /// Boots `guest` (waiting for the first wave if it is in the second), records its "boot" result, and returns it
  /// running; `nil` when it never printed its first line.
  public func boot(_ guest: LabGuest) async -> GuestRun? {
    if guest.bootsInSecondWave {
      if lab.lab.holdsForDeviceModelBoots || guest.type.hasDeviceModel {
        await awaitFirstWave()
      } else {
        await awaitSettled(firstWaveWithoutDeviceModels, atMost: Self.secondWaveWait)
      }
    }
    let booted = await createAndWait(guest, seconds: guest.type.hasDeviceModel ? Self.deviceModelBootWait : 300)
    settled.withLock { _ = $0.insert(guest.name) }
    return booted
  }

  /// Returns once every first-wave guest has printed its first line or given up (at most `deviceModelBootWait`).
  public func awaitFirstWave() async {
    await awaitSettled(firstWave, atMost: Self.deviceModelBootWait)
  }

  /// Polls every 2 s until every guest of `wave` has settled (booted or given up), at most `seconds`.
  private func awaitSettled(_ wave: Set<String>, atMost seconds: Double) async {
    let end = Uptime.seconds() + seconds
    while Uptime.seconds() < end && !settled.withLock({ wave.isSubset(of: $0) }) {
      try? await Task.sleep(for: .seconds(2))
    }
  }

  /// `xl create`, then a wait of at most `seconds` for the first counter line. One more attempt when `xl create`
  /// failed (under heavy load libxl's fixed 60 s device-model start timeout expires) or the guest died before its
  /// first line (an early triple fault of emulated SVM, seen here now and then).
  private func createAndWait(_ guest: LabGuest, seconds: Double) async -> GuestRun? {
    let startedAt = Uptime.seconds()
    let end = min(startedAt + seconds, lab.options.deadline)
    var attempts = 1
    var firstAttempt: String?
    var create = CreateAttempt(guest, tools: lab.tools, limit: seconds)
    var ticks = 0
    while Uptime.seconds() < end {
      if GuestConsole.counter(of: guest) > 0 {
        let firstLine = Uptime.seconds()
        let domain = await lab.xen.domainID(of: guest)
        record(
          guest,
          BootFacts(
            domid: domain, createSeconds: create.result.map { Double($0.ms) / 1000 },
            firstLineSeconds: firstLine - startedAt, waitedSeconds: nil, startedAt: startedAt, attempts: attempts,
            firstAttempt: firstAttempt, xlCreate: nil, console: nil))
        return domain.map { GuestRun(guest: guest, domain: $0) }
      }
      ticks += 1
      var retry: String?
      let created = create.result
      if let created, !created.succeeded {
        retry = "xl create \(created.status): " + String(created.stderr.suffix(300))
      }
      if retry == nil, created?.succeeded == true, ticks % 5 == 0 {
        let domain = await lab.xen.domainID(of: guest)
        let view = await domain.asyncMap { await lab.xen.domain($0) }
        if domain == nil || view??.state == "shutdown" || view??.state == "dying" {
          retry =
            "died before its first console line: \(view??.state ?? "no domain") (reason "
            + "\(view??.shutdownReason.map(String.init) ?? "none"))"
        }
      }
      if let retry {
        guard attempts < 2 else { break }
        attempts = 2
        firstAttempt = retry
        lab.console.mark("\(guest.domainName): \(retry); creating it again")
        _ = await lab.tools.xl(["destroy", guest.domainName])
        create = CreateAttempt(guest, tools: lab.tools, limit: seconds)
        continue
      }
      try? await Task.sleep(for: .seconds(1))
    }
    let last = create.result
    record(
      guest,
      BootFacts(
        domid: nil, createSeconds: last.map { Double($0.ms) / 1000 }, firstLineSeconds: nil,
        waitedSeconds: Uptime.seconds() - startedAt, startedAt: startedAt, attempts: attempts,
        firstAttempt: firstAttempt, xlCreate: last.map { String(($0.stdout + $0.stderr).suffix(600)) },
        console: FileTail.read(GuestRun.consoleLog(of: guest), maxBytes: 600)))
    return nil
  }

  private func record(_ guest: LabGuest, _ facts: BootFacts) {
    lab.record("boot", guest: guest, facts)
  }
}

/// One `xl create` of a guest, running while its console is watched; `result` once it has ended.
private final class CreateAttempt: Sendable {
  private let outcome = Mutex<CommandRecord?>(nil)

  init(_ guest: LabGuest, tools: LabTools, limit: Double) {
    Task {
      let record = await tools.xl(["create", "/guest/\(guest.name).cfg"], limit: limit)
      self.outcome.withLock { $0 = record }
    }
  }

  /// How `xl create` ended; `nil` while it runs.
  var result: CommandRecord? { outcome.withLock { $0 } }
}

extension Optional {
  /// `map` with an async transform.
  fileprivate func asyncMap<T>(_ transform: (Wrapped) async -> T) async -> T? {
    switch self {
    case .some(let value): return await transform(value)
    case .none: return nil
    }
  }
}
