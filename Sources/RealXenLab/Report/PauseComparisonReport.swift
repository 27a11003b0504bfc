/// The report's section on the paced comparison ("pause-compare"): the pause distributions of both tools (from the
/// request until the resume returned) with the ratio of their medians and its 95 % interval, what each cycle cost the
/// dom0 process, where the time went stage by stage, and one `pause-ratio` line per guest for scripts.
enum PauseComparisonReport {
  /// The section, or nothing when no guest ran the comparison.
  static func lines(xen: String, guests: [LabGuest], byKey: [ResultKey: LabReport.Row]) -> [String] {
    let compared = LabReport.columnOrder(guests).compactMap { guest in
      byKey[ResultKey(GuestScenario.pauseCompare.rawValue, guest.name)]?.results.last.flatMap {
        $0.facts(as: PauseCompareFacts.self).map { (guest, $0) }
      }
    }
    guard !compared.isEmpty else { return [] }
    var out = [
      "Pause time (microseconds, from the request until the resume returned: the reads before the request are the "
        + "\"planned\" stage in the stages table), xen-resume and the C client (libxenguest) interleaved a cycle at a "
        + "time on the same guest, both processes warm:",
      row(["guest", "path", "cycles", "xen-resume p50/p90/p99", "C p50/p90/p99", "ratio", "95 % interval"], pauses),
    ]
    for (guest, facts) in compared {
      let ratio = facts.ratio
      out.append(
        row(
          [
            guest.name, facts.path, cycles(facts), distribution(facts.swift.pauses), distribution(facts.c.pauses),
            ratio.map { LabReport.twoPlaces($0.ratio) } ?? "n/a",
            ratio.map { "\(LabReport.twoPlaces($0.low))..\(LabReport.twoPlaces($0.high))" } ?? "n/a",
          ], pauses))
    }
    out += [
      "",
      "dom0 per cycle (means; the pause's window, then between pauses): CPU user+system µs, voluntary and "
        + "involuntary context switches, thread wake-ups; system calls of the whole cycle (a traced run of its own):",
    ]
    out.append(
      row(
        ["guest", "tool", "cpu", "vcsw", "ivcsw", "wakeups", "| cpu", "vcsw", "ivcsw", "wakeups", "| syscalls"], counts)
    )
    for (guest, facts) in compared {
      for (tool, summary) in [("xen-resume", facts.swift), ("C", facts.c)] {
        let syscalls = summary.syscalls.map { calls in
          "| \(LabReport.number(calls.perCycle)) ("
            + calls.top.prefix(4).map { "\($0.name) \(LabReport.number($0.perCycle))" }.joined(separator: ", ") + ")"
        }
        out.append(
          row(
            [guest.name, tool] + figures(summary.window) + figures(summary.between, leading: "| ")
              + [syscalls ?? "| n/a"], counts))
      }
    }
    out += [
      "",
      "Stages (medians, microseconds; planned: the state check and facts read before the request, outside the "
        + "pause above; resume: xen-resume's state check, register and resumedomain, the C client's "
        + "xc_domain_resume):",
    ]
    out.append(
      row(["guest", "tool", "planned", "request", "acknowledged", "suspended", "resume", "XS_RESUME"], stages))
    for (guest, facts) in compared {
      for (tool, summary) in [("xen-resume", facts.swift), ("C", facts.c)] {
        out.append(row([guest.name, tool] + medians(summary.stageMedians), stages))
      }
    }
    out += rates(xen: xen, guests: guests, byKey: byKey)
    out.append("")
    for (guest, facts) in compared {
      let ratio = facts.ratio
      out.append(
        "pause-ratio xen=\(xen) guest=\(guest.type.rawValue) path=\(facts.path) "
          + "swift-p50-us=\(SampleStatistics.median(facts.swift.pauses).map(LabReport.whole) ?? "n/a") "
          + "c-p50-us=\(SampleStatistics.median(facts.c.pauses).map(LabReport.whole) ?? "n/a") "
          + "ratio=\(ratio.map { LabReport.twoPlaces($0.ratio) } ?? "n/a") "
          + "ci95=\(ratio.map { "\(LabReport.twoPlaces($0.low))..\(LabReport.twoPlaces($0.high))" } ?? "n/a") "
          + "cycles=\(min(facts.swift.pauses.count, facts.c.pauses.count))")
    }
    return out
  }

  /// The loops' sustained rates beside Remus's 40 checkpoints/s, and a `checkpoint-rate` line per guest.
  static func rates(xen: String, guests: [LabGuest], byKey: [ResultKey: LabReport.Row]) -> [String] {
    let measured = LabReport.columnOrder(guests).compactMap { guest in
      byKey[ResultKey(GuestScenario.rate.rawValue, guest.name)]?.results.last.flatMap {
        $0.facts(as: RateFacts.self).map { (guest, $0) }
      }
    }
    guard !measured.isEmpty else { return [] }
    var out = [
      "",
      "Sustained checkpoint rate (back-to-back loops, checkpoints per second; Remus checkpoints "
        + "\(LabReport.whole(RateFacts.remusRate)) times a second):",
      row(["guest", "cycles", "xen-resume", "C"], rateColumns),
    ]
    var lines: [String] = []
    for (guest, facts) in measured {
      let swift = facts.swiftRate.map { LabReport.number($0) } ?? "n/a"
      let c = facts.cRate.map { LabReport.number($0) } ?? "n/a"
      out.append(row([guest.name, String(facts.count), swift, c], rateColumns))
      lines.append(
        "checkpoint-rate xen=\(xen) guest=\(guest.type.rawValue) path=\(guest.expectedSuspendPath) "
          + "swift-per-s=\(swift) c-per-s=\(c) cycles=\(facts.count)")
    }
    return out + lines
  }

  /// `200` per tool, or `63/63 (budget)` when the budget ended it.
  private static func cycles(_ facts: PauseCompareFacts) -> String {
    let counts = "\(facts.swift.pauses.count)/\(facts.c.pauses.count)"
    return facts.cutByBudget ? counts + " (budget)" : counts
  }

  /// `p50/p90/p99` in whole microseconds.
  private static func distribution(_ pauses: [Double]) -> String {
    let sorted = pauses.sorted()
    let figures = [50.0, 90, 99].map { SampleStatistics.percentile($0, sorted: sorted).map(LabReport.whole) }
    return figures.map { $0 ?? "n/a" }.joined(separator: "/")
  }

  /// A tool's mean counts as table cells: CPU, voluntary and involuntary switches, wake-ups.
  private static func figures(_ counts: PacedCycleDocument.Counts?, leading: String = "") -> [String] {
    guard let counts else { return [leading + "n/a", "", "", ""] }
    return [
      leading + LabReport.whole(counts.userMicroseconds + counts.systemMicroseconds),
      LabReport.number(counts.voluntarySwitches), LabReport.number(counts.involuntarySwitches),
      LabReport.number(counts.wakeups),
    ]
  }

  /// The common stages of both tools (`PacedToolSummary.commonStages`).
  private static func medians(_ medians: [String: Double]) -> [String] {
    PacedToolSummary.commonStages.map { medians[$0].map(LabReport.whole) ?? "-" }
  }

  /// The column widths of the three tables.
  private static let pauses = [9, 19, 14, 26, 26, 7]
  private static let counts = [9, 12, 8, 7, 7, 9, 8, 7, 7, 9]
  private static let stages = [9, 12, 9, 9, 14, 11, 9]
  private static let rateColumns = [9, 8, 12]

  /// Cells padded to `widths` (the last cell, and any beyond the widths, as they are).
  private static func row(_ cells: [String], _ widths: [Int]) -> String {
    cells.enumerated().map { index, cell in index < widths.count ? LabReport.pad(cell, widths[index]) : cell }
      .joined().trimmingTrailingSpaces
  }
}
