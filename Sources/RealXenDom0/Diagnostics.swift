import DomZeroProcess
import RealXenLab

extension Dom0Lab {
  /// After every result (so they cannot interleave with them), between `@@DIAG begin` and `@@DIAG end`: Xen's domain
  /// list, every command dom0 ran, the end of each guest's console and device-model log, every triple fault in Xen's
  /// ring, and the ends of Xen's and dom0's kernel logs.
  func diagnostics(_ guests: [LabGuest]) async {
    var lines = ["@@DIAG begin"]
    lines.append((await tools.xl(["list"])).stdout)
    // All of Xen's ring (conring_size=1m), not only the end the other commands keep.
    let dmesg = await tools.run(.xl, ["xl", "dmesg"], limit: 60, outputBytes: 2 << 20)
    lines.append("---- commands (status, wall ms)")
    lines += tools.commandLog
    for guest in guests {
      lines.append("---- console of \(guest.domainName) (end)")
      lines.append(tail(GuestRun.consoleLog(of: guest), lines: 25))
      if guest.type.hasDeviceModel {
        lines.append("---- device model log of \(guest.domainName) (end)")
        lines.append(tail("/var/log/xen/qemu-dm-\(guest.domainName).log", lines: 10))
      }
      lines.append("---- xl log of \(guest.domainName) (end)")
      lines.append(tail("/var/log/xen/xl-\(guest.domainName).log", lines: 8))
    }
    // The ring holds every line Xen printed, including any its serial transmit buffer dropped: every triple fault in
    // it, since run-all.sh reads them as the evidence that a boot was lost to the emulator.
    lines.append("---- xl dmesg: every triple fault")
    lines += dmesg.stdout.split(whereSeparator: \.isNewline).filter { $0.contains("Triple fault") }.map(String.init)
    lines.append("---- xl dmesg (last 60 lines)")
    lines.append(dmesg.stdout.split(whereSeparator: \.isNewline).suffix(60).joined(separator: "\n"))
    lines.append("---- dom0 dmesg (last 20 lines)")
    lines.append(
      (await tools.run(.system, ["dmesg"], limit: 30)).stdout.split(whereSeparator: \.isNewline).suffix(20)
        .joined(separator: "\n"))
    lines.append("@@DIAG end")
    for line in lines { console.line(line) }
  }

  /// The last `count` lines of a file, carriage returns dropped.
  private func tail(_ path: String, lines count: Int) -> String {
    let text = FileTail.read(path, maxBytes: 16_384) ?? "(none)"
    return text.split(whereSeparator: \.isNewline).suffix(count).joined(separator: "\n")
  }
}
