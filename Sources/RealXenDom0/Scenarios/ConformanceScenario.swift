import DomZeroProcess
import RealXenLab

extension Dom0Lab {
  /// conformance: the XenHost conformance suite (`xen-host-conformance`, the package's rules over the real backend),
  /// once, over every booted main guest at once. It suspends and fast-resumes the guests it is given, so the driver
  /// runs it only after every scenario group and the lifecycle scenarios ended: nothing else touches the guests
  /// meanwhile. Rows: each check ("conformance/NAME"), the summary, "conformance-run", then "conformance-alive" per
  /// guest (its console counter still moving, Xen reporting it running).
  public func conformance(_ guests: [GuestRun]) async {
    let main = suiteGuests(guests)
    let domains = suiteDomains(main)
    let missing = ConformanceJudge.missingDomain
    // `xl domname` succeeds only for an id some domain has: the missing-domain checks need one none has.
    let unused = !(await tools.xl(["domname", String(missing)], limit: 30)).succeeded
    func runFacts(_ run: CommandRecord?, _ output: ConformanceJudge.Output?) -> ProgramRunFacts {
      ProgramRunFacts(
        program: .conformance, run: run.map(\.withoutStdout), guests: main.map(\.name),
        expectedGuests: startedMainGuests, domains: domains, missingDomain: missing, missingDomainUnused: unused,
        resultLines: output?.resultLines ?? 0, otherStdout: Array((output?.otherStdout ?? []).prefix(20)))
    }
    guard !main.isEmpty, unused else {
      record("conformance-run", guest: nil, runFacts(nil, nil))
      return
    }
    // Up to dom0's deadline (the tools cap every limit there).
    let limit = min(ConformanceJudge.runLimitSeconds, options.deadline - Uptime.seconds())
    console.mark(
      "conformance suite (\(main.map { "\($0.name)=\($0.domain)" }.joined(separator: " ")), missing domain "
        + "\(missing), at most \(Int(max(5, limit)))s)")
    var arguments = main.flatMap { ["--guest", "\($0.id):\($0.kind.rawValue)"] }
    arguments += ["--missing-domain", String(missing), "--timeout-seconds", String(ConformanceJudge.stepSeconds)]
    // Its stdout is one line per check (some 30 over four guests): keep all of it.
    let run = await tools.run(
      .conformance, [tools.paths.conformance] + arguments, limit: limit, outputBytes: 1 << 20)
    // A run that died midway reported only some checks: the others are simply missing from the report.
    let output = ConformanceJudge.read(run, domains: domains)
    for check in output.checks {
      let guest = main.first { $0.kind.rawValue == check.line.guest }
      record(
        ConformanceJudge.prefix + check.line.check, guest: guest?.guest,
        row: guest?.name ?? check.line.guest ?? "none", check)
    }
    if let summary = output.summary { record("conformance-summary", guest: nil, summary) }
    record("conformance-run", guest: nil, runFacts(run, output))
    for (guest, liveness, view) in await observeAfterRun(main) {
      record(
        "conformance-alive", guest: guest.guest,
        ConformanceAliveFacts(domid: guest.domain, liveness: liveness, stateAfter: view))
    }
  }

  /// The main guests among `guests`, in the order the programs are given them (PV, PVH, PVHVM, HVM).
  func suiteGuests(_ guests: [GuestRun]) -> [GuestRun] {
    let order = GuestKind.allCases
    return guests.filter { $0.guest.role == .main }.sorted {
      (order.firstIndex(of: $0.kind) ?? 0) < (order.firstIndex(of: $1.kind) ?? 0)
    }
  }

  /// The domain each guest is given as, by its type (the programs name a guest by its type).
  func suiteDomains(_ guests: [GuestRun]) -> [String: Int] {
    Dictionary(guests.map { ($0.kind.rawValue, $0.domain) }, uniquingKeysWith: { first, _ in first })
  }

  /// The main guests this run started: the lab's, or those `rx.guests` names.
  var startedMainGuests: [String] { startedGuests(.main) }

  /// The guests of `role` this run started: the lab's, or those `rx.guests` names.
  func startedGuests(_ role: GuestRole) -> [String] {
    lab.guests(role).map(\.name).filter { options.guests?.contains($0) ?? true }
  }

  /// Each guest's console counter moving, then Xen's view of it, in `guests`' order. The guests are watched at once:
  /// a guest that died costs its full liveness limit, which need not add up.
  func observeAfterRun(_ guests: [GuestRun]) async -> [(GuestRun, Liveness, DomainView?)] {
    await withTaskGroup(of: (Int, Liveness, DomainView?).self) { group in
      for (index, guest) in guests.enumerated() {
        group.addTask {
          let liveness = await GuestConsole.alive(guest.guest)
          return (index, liveness, await self.xen.domain(guest.domain))
        }
      }
      var observed: [(Int, Liveness, DomainView?)] = []
      for await observation in group { observed.append(observation) }
      return observed.sorted { $0.0 < $1.0 }.map { (guests[$0.0], $0.1, $0.2) }
    }
  }
}

extension CommandRecord {
  /// The record as a run row keeps it: without stdout (its lines are the other rows) and with stderr's last 20
  /// lines (at most 1500 characters).
  var withoutStdout: CommandRecord {
    var record = self
    record.stdout = ""
    let tail = stderr.split(whereSeparator: \.isNewline).suffix(20).joined(separator: "\n")
    record.stderr = String(tail.suffix(1500))
    return record
  }
}
