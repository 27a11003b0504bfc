import RealXenLab

extension Dom0Lab {
  /// xenstored-lost, dom0's very last act: `xen-resume-lifecycle` pauses the PV guest (so it never acknowledges),
  /// starts a suspend with a 60 s timeout and kills xenstored (SIGKILL, from its pid file) 2 s later; the suspend must
  /// fail promptly with an error about the lost connection. Rows: the step ("lifecycle/xenstored-lost" on the PV
  /// guest), then "xenstored-lost-run". Nothing here or after it may use xenstore (no xl, no C client): only the
  /// program runs, and only console writes follow. The program's summary line is its alone.
  public func xenStoredLost(_ pv: GuestRun?) async {
    guard let pv else {
      record("xenstored-lost-run", guest: nil, XenStoredLostRunFacts(domid: nil, run: nil, stepLines: 0))
      return
    }
    console.mark(
      "xenstored-lost (domain \(pv.domain)): killing xenstored under a waiting suspend; no xenstore use after this")
    let arguments = ["--scenario", LifecycleJudge.xenstoredLost, "--guest", "\(pv.id):pv:\(pv.consoleLog)"]
    let run = await tools.run(
      .lifecycle, [tools.paths.lifecycle] + arguments, limit: LifecycleJudge.xenstoredLostLimitSeconds,
      outputBytes: 1 << 20)
    let output = LifecycleJudge.read(run, domains: ["pv": pv.domain])
    recordScenarios(output, [pv])
    record(
      "xenstored-lost-run", guest: nil,
      XenStoredLostRunFacts(domid: pv.domain, run: run.withoutStdout, stepLines: output.stepLines))
  }
}
