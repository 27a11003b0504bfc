import Glibc
import RealXenLab

extension Dom0Lab {
  /// The device model's first sample, taken when an HVM-family guest's group starts (before any of its suspends).
  public func deviceModelBegin(_ guest: GuestRun) async -> DeviceModelSample {
    let query = await tools.cClient(["qmp", guest.id, "query-status"])
    let pid = await deviceModelPID(guest)
    return DeviceModelSample(queryStatus: query.document, pid: pid, cycles: tally(of: guest.guest).cycles)
  }

  /// device-model: the device model runs on through the group's suspends (the same pid as at `sample`, its process
  /// alive, QMP reporting it running).
  public func deviceModel(_ guest: GuestRun, since sample: DeviceModelSample) async {
    let cyclesAfter = tally(of: guest.guest).cycles
    let query = await tools.cClient(["qmp", guest.id, "query-status"])
    let pid = await deviceModelPID(guest)
    // /proc/PID exists while the process runs (the path is built from the number, never from xenstore's text).
    let processAlive = pid.flatMap { Int($0) }.map { $0 > 0 && access("/proc/\($0)", F_OK) == 0 } ?? false
    let liveness = await GuestConsole.alive(guest.guest)
    record(
      GuestScenario.deviceModel.rawValue, guest: guest.guest,
      DeviceModelFacts(
        before: sample, qmpAfter: query, pidAfter: pid, processAlive: processAlive, cyclesAfter: cyclesAfter,
        liveness: liveness))
  }

  /// libxl's record of the device model's pid; `nil` when it cannot be read or is empty.
  private func deviceModelPID(_ guest: GuestRun) async -> String? {
    let record = await tools.xenstoreRead("/local/domain/\(guest.id)/image/device-model-pid")
    let pid = record.stdout.filter { !$0.isWhitespace }
    return record.succeeded && !pid.isEmpty ? pid : nil
  }
}
