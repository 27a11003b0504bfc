import DomZeroProcess
import RealXenLab

extension Dom0Lab {
  /// How long the slow-resume outcome watches the guest after the resume.
  static let slowWatchSeconds = 60

  /// slow-outcome: a confirmed slow resume in the same domain, then what the guest does within 60 s, from its console
  /// and Xen's view: alive (its counter moves on; warned when it printed the refused vcpu_info registration and
  /// carried on), panic (a `Kernel panic` line, then shut down), shutdown (without a panic line), or hung (Xen says
  /// running, no console progress). Linux 6.1 on Xen 4.17 panics with "register_vcpu_info failed: cpu=0 err=-22". The
  /// guest is not used afterwards.
  public func slowOutcome(_ guest: GuestRun) async {
    let log = guest.consoleLog
    // Where the console stood before: only what the kernel prints after the resume is the outcome's evidence.
    let linesBefore = SlowConsole.lineCount(SlowConsole.read(log))
    let suspend = await tools.xenResume(["suspend", guest.id, "--json"])
    let counterBefore = GuestConsole.counter(of: guest.guest)
    var counterNow = counterBefore
    var resume: CommandRecord?
    if suspend.succeeded {
      resume = await tools.xenResume(["resume", guest.id, "--slow", "--confirm-slow", "--json"])
    }
    var outcome = SlowOutcome.hung
    var panic: String?
    var finalState: DomainView?
    if resume?.succeeded == true {
      let clock = ContinuousClock()
      let end = clock.now + .seconds(Self.slowWatchSeconds)
      // Once a second: Xen's view first (a shutdown ends the watch), then the console.
      while clock.now < end {
        try? await Task.sleep(for: .seconds(1))
        finalState = await xen.domain(guest.domain)
        if finalState?.state == "shutdown" && finalState?.shutdownReason != 2 {
          panic = SlowConsole.panicMessage(in: SlowConsole.read(log))
          outcome = panic == nil ? .shutdown : .panic
          break
        }
        counterNow = GuestConsole.counter(of: guest.guest)
        if finalState?.state == "running" && counterNow > counterBefore {
          // Alive: give it a few more lines, so a late panic is not taken for survival.
          try? await Task.sleep(for: .seconds(5))
          finalState = await xen.domain(guest.domain)
          counterNow = GuestConsole.counter(of: guest.guest)
          if finalState?.state == "running" {
            outcome = .alive
            break
          }
        }
      }
    }
    if finalState == nil { finalState = await xen.domain(guest.domain) }
    // What the kernel printed after the resume: the refused registration, and the first sign of trouble (a WARNING,
    // BUG or oops line) that a hung guest leaves.
    let text = SlowConsole.read(log)
    let after = SlowConsole.linesAfter(linesBefore, in: text)
    let warning = after.first { $0.contains("register_vcpu_info failed") && !$0.contains("Kernel panic") }
    let trouble = after.first { line in SlowConsole.trouble.contains { line.contains($0) } }
    let notable = after.filter { line in SlowConsole.notable.contains { line.contains($0) } }.prefix(12)
    if outcome == .alive && warning != nil { outcome = .warned }
    let facts = SlowOutcomeFacts(
      suspend: suspend, resume: resume, type: guest.kind, kernel: guest.guest.kernel, outcome: outcome,
      panic: panic.map { String($0.prefix(200)) }, warning: warning.map { String($0.prefix(200)) },
      trouble: trouble.map { String($0.prefix(300)) },
      notable: notable.isEmpty ? nil : String(notable.joined(separator: "\n").prefix(1200)),
      counter: "\(counterBefore)->\(counterNow)", finalState: finalState,
      console: SlowConsole.carriageReturnsRemoved(String(decoding: text.utf8.suffix(700), as: UTF8.self)))
    record("slow-outcome", guest: guest.guest, facts)
  }
}

/// Reading a guest's console for the slow-resume outcome (the shell's `wc -l`, `tail -n +N`, `tr -d '\r'` and sed).
enum SlowConsole {
  /// What marks the first sign of trouble.
  static let trouble = ["WARNING:", "BUG:", "Oops", "invalid opcode", "general protection"]
  /// What makes a line notable.
  static let notable = [
    "register_vcpu_info", "WARNING:", "BUG:", "Oops", "Kernel panic", "RIP:", "invalid opcode", "general protection",
  ]

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
