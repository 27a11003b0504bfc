import DomZeroProcess
import RealXenLab

extension Dom0Lab {
  /// After every result (so they cannot interleave with them), between `@@DIAG begin` and `@@DIAG end`: Xen's domain
  /// list, every command dom0 ran, the end of each guest's console and device-model log, Xen's and dom0's kernel logs.
  func diagnostics(_ guests: [LabGuest]) async {
    var lines = ["@@DIAG begin"]
    lines.append((await tools.xl(["list"])).stdout)
    let dmesg = await tools.xl(["dmesg"])
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
