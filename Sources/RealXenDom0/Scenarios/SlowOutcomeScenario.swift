import DomZeroProcess
import RealXenLab

extension Dom0Lab {
  /// How long the slow-resume outcome watches the guest after the resume.
  static let slowWatchSeconds = 60

  /// slow-outcome: a confirmed slow resume in the same domain without a soft reset (`--without-soft-reset`: Xen's
  /// `XEN_DOMCTL_resumedomain` alone, after which Linux 6.1 and 6.12 PV-aware guests panic and 5.10 ones hang, kept
  /// as the matrix's baseline), then what the guest does within 60 s, from its console and Xen's view: alive (its counter moves on;
  /// warned when it printed the refused vcpu_info registration and carried on), panic (a `Kernel panic` line, then
  /// shut down), shutdown (without a panic line), or hung (Xen says running, no console progress). Linux 6.1 on Xen
  /// 4.17 panics with "register_vcpu_info failed: cpu=0 err=-22". The guest is not used afterwards. When the
  /// soft-reset resume just before it left the guest dead, nothing is run: the facts say it was skipped and why.
  public func slowOutcome(_ guest: GuestRun) async {
    if let reason = tally(of: guest.guest).notAliveAfterSoftReset {
      record(
        "slow-outcome", guest: guest.guest,
        SlowOutcomeFacts.skipped(
          type: guest.kind, kernel: guest.guest.kernel, reason: "slow-soft-reset left the guest \(reason)",
          finalState: await xen.domain(guest.domain)))
      return
    }
    let log = guest.consoleLog
    // Where the console stood before: only what the kernel prints after the resume is the outcome's evidence.
    let linesBefore = SlowConsole.lineCount(SlowConsole.read(log))
    let suspend = await tools.xenResume(["suspend", guest.id, "--json"])
    let counterBefore = GuestConsole.counter(of: guest.guest)
    var resume: CommandRecord?
    if suspend.succeeded {
      resume = await tools.xenResume(["resume", guest.id, "--slow", "--without-soft-reset", "--confirm-slow", "--json"])
    }
    var watch = SlowWatch(counter: counterBefore)
    if resume?.succeeded == true { watch = await watchAfterSlowResume(guest, counterBefore: counterBefore) }
    if watch.state == nil { watch.state = await xen.domain(guest.domain) }
    let text = SlowConsole.read(log)
    let seen = SlowConsole.Seen(after: SlowConsole.linesAfter(linesBefore, in: text))
    if watch.outcome == .alive && seen.warning != nil { watch.outcome = .warned }
    let facts = SlowOutcomeFacts(
      suspend: suspend, resume: resume, type: guest.kind, kernel: guest.guest.kernel, outcome: watch.outcome,
      panic: watch.panic.map { String($0.prefix(200)) }, warning: seen.warning, trouble: seen.trouble,
      notable: seen.notable, counter: "\(counterBefore)->\(watch.counter)", finalState: watch.state,
      console: SlowConsole.tail(text))
    record("slow-outcome", guest: guest.guest, facts)
  }

  /// Watches a guest after a slow resume for up to `slowWatchSeconds`, once a second: Xen's view first (a shutdown
  /// other than a suspend ends the watch: panic when the console has a panic line, else shutdown), then the console
  /// counter; alive once the counter moved past `counterBefore` with Xen saying running, and Xen still saying running
  /// five seconds later (so a late panic is not taken for survival). Hung when the watch ends without either.
  func watchAfterSlowResume(_ guest: GuestRun, counterBefore: Int) async -> SlowWatch {
    var watch = SlowWatch(counter: counterBefore)
    let clock = ContinuousClock()
    let end = clock.now + .seconds(Self.slowWatchSeconds)
    while clock.now < end {
      try? await Task.sleep(for: .seconds(1))
      watch.state = await xen.domain(guest.domain)
      if watch.state?.state == "shutdown" && watch.state?.shutdownReason != 2 {
        watch.panic = SlowConsole.panicMessage(in: SlowConsole.read(guest.consoleLog))
        watch.outcome = watch.panic == nil ? .shutdown : .panic
        return watch
      }
      watch.counter = GuestConsole.counter(of: guest.guest)
      if watch.state?.state == "running" && watch.counter > counterBefore {
        try? await Task.sleep(for: .seconds(5))
        watch.state = await xen.domain(guest.domain)
        watch.counter = GuestConsole.counter(of: guest.guest)
        if watch.state?.state == "running" {
          watch.outcome = .alive
          return watch
        }
      }
    }
    return watch
  }
}

/// What dom0's watch after a slow resume saw.
struct SlowWatch: Sendable {
  /// What the guest did (hung until something else was seen).
  var outcome = SlowOutcome.hung
  /// The panic's message, when the guest shut down after one.
  var panic: String?
  /// Xen's last view of the domain.
  var state: DomainView?
  /// The console counter last read.
  var counter: Int
}

/// Reading a guest's console for the slow resumes (the shell's `wc -l`, `tail -n +N`, `tr -d '\r'` and sed).
enum SlowConsole {
  /// What marks the first sign of trouble.
  static let trouble = ["WARNING:", "BUG:", "Oops", "invalid opcode", "general protection"]
  /// What makes a line notable.
  static let notable = [
    "register_vcpu_info", "WARNING:", "BUG:", "Oops", "Kernel panic", "RIP:", "invalid opcode", "general protection",
  ]
  /// What else makes a line notable after a soft-reset resume, in any case: the kernel's lines about Xen, xenbus,
  /// event channels and the hvc console (at the guests' log level 4 only warnings and worse reach the console, so
  /// each of these says something went wrong with what the resume rebuilt).
  static let notableAfterSoftReset = ["xen", "evtchn", "hvc"]

  /// The lines of note after a resume.
  struct Seen: Sendable, Equatable {
    /// The refused vcpu_info registration (not the panic line that may quote it), cut to 200 characters.
    var warning: String?
    /// The first sign of trouble, cut to 300 characters.
    var trouble: String?
    /// Up to 12 notable lines, newline-separated, cut to 1200 characters; `nil` when none.
    var notable: String?

    /// What `after` (the lines printed after the resume) shows. A line is notable when it contains one of
    /// `SlowConsole.notable`, or one of `anyCase` in any case; the guests' own `RX-` lines never are.
    init(after: [String], anyCase: [String] = []) {
      warning = after.first { $0.contains("register_vcpu_info failed") && !$0.contains("Kernel panic") }
        .map { String($0.prefix(200)) }
      trouble = after.first { line in SlowConsole.trouble.contains { line.contains($0) } }.map {
        String($0.prefix(300))
      }
      let lowered = anyCase.map { $0.lowercased() }
      let lines = after.filter { line in
        guard !line.hasPrefix("RX-") else { return false }
        return SlowConsole.notable.contains { line.contains($0) } || lowered.contains { line.lowercased().contains($0) }
      }.prefix(12)
      notable = lines.isEmpty ? nil : String(lines.joined(separator: "\n").prefix(1200))
    }
  }

  /// The console's last 700 bytes, without carriage returns: the facts' excerpt.
  static func tail(_ text: String) -> String {
    carriageReturnsRemoved(String(decoding: text.utf8.suffix(700), as: UTF8.self))
  }

  /// The whole console log (they are small: a line a second for a few minutes); empty when it cannot be read.
  static func read(_ path: String) -> String {
    FileTail.read(path, maxBytes: 1 << 30) ?? ""
  }

  /// Complete lines so far (`wc -l`: newlines).
  static func lineCount(_ text: String) -> Int {
    text.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
  }

  /// `text` without carriage returns (an emulated serial port writes CRLF).
  static func carriageReturnsRemoved(_ text: String) -> String {
    String(text.unicodeScalars.filter { $0 != "\r" })
  }

  /// The lines after the first `count` (`tail -n +count+1`), carriage returns and kernel timestamps
  /// (`[   12.345678] `) removed.
  static func linesAfter(_ count: Int, in text: String) -> [String] {
    let lines = carriageReturnsRemoved(text).split(separator: "\n", omittingEmptySubsequences: false)
    var after = lines.dropFirst(count).map { timestampRemoved(Substring($0)) }
    // The text's final newline leaves an empty element that is no line.
    if after.last == "" { after.removeLast() }
    return after
  }

  /// A line without its leading kernel timestamp (sed's `s/^\[ *[0-9.]*\] *//`).
  static func timestampRemoved(_ line: Substring) -> String {
    guard line.first == "[" else { return String(line) }
    var rest = line.dropFirst().drop { $0 == " " }.drop { $0.isASCII && ($0.isNumber || $0 == ".") }
    guard rest.first == "]" else { return String(line) }
    rest = rest.dropFirst().drop { $0 == " " }
    return String(rest)
  }

  /// The message of the first `Kernel panic - not syncing` line anywhere in the console; `nil` when there is none
  /// (or it is empty).
  static func panicMessage(in text: String) -> String? {
    let marker = "Kernel panic - not syncing"
    for line in carriageReturnsRemoved(text).split(separator: "\n") where line.contains(marker) {
      // sed's `s/^.*Kernel panic - not syncing: *//`: everything up to the last marker with its colon, then spaces;
      // a line without the colon stays whole.
      guard let last = line.ranges(of: marker + ":").last else { return String(line) }
      let message = String(line[last.upperBound...].drop { $0 == " " })
      return message.isEmpty ? nil : message
    }
    return nil
  }
}
