/// The judge's notebook: each check that fails adds one line saying what was seen and what was expected.
public struct Problems: Sendable {
  /// The findings so far.
  public private(set) var list: [String] = []

  /// An empty notebook.
  public init() {}

  /// Notes `message` unless `condition` holds; returns `condition`.
  @discardableResult
  public mutating func expect(_ condition: Bool, _ message: @autoclosure () -> String) -> Bool {
    if !condition { list.append(message()) }
    return condition
  }

  /// Notes a finding unconditionally.
  public mutating func add(_ message: String) { list.append(message) }

  /// The command ran and exited `code`; `what` names it in the message.
  @discardableResult
  public mutating func exit(_ record: CommandRecord?, is code: Int32, _ what: String) -> Bool {
    guard let record else {
      add("\(what): not run")
      return false
    }
    let detail = record.rc != code ? record.lastErrorLine.map { ": " + $0 } ?? "" : ""
    return expect(record.rc == code, "\(what): `\(record.cmd)` \(record.status), expected exit \(code)\(detail)")
  }

  /// xen-resume's `--json` error document names `kind`.
  @discardableResult
  public mutating func errorKind(_ record: CommandRecord?, is kind: String, _ what: String) -> Bool {
    let got = record?.document?["error"]?["kind"]?.string
    return expect(got == kind, "\(what): error kind \(got.map { "\"\($0)\"" } ?? "none"), expected \"\(kind)\"")
  }

  /// The guest's console counter moved.
  @discardableResult
  public mutating func alive(_ liveness: Liveness?, _ what: String = "guest") -> Bool {
    expect(liveness?.alive == true, "\(what) not alive afterwards (console counter \(liveness?.counter ?? "not read"))")
  }

  /// Xen reports the domain in `state` (and with shutdown `reason`, when given).
  @discardableResult
  public mutating func xen(_ view: DomainView?, is state: String, reason: Int? = nil, _ what: String) -> Bool {
    let ok = view?.state == state && (reason == nil || view?.shutdownReason == reason)
    let wanted = reason.map { " with reason \($0) (\(DomainView.reasonNames[$0] ?? "?"))" } ?? ""
    return expect(
      ok,
      "\(what): Xen reports \(view?.state ?? "nothing") (reason \(view?.shutdownReason.map(String.init) ?? "none")), "
        + "expected \(state)\(wanted)")
  }

  /// vcpu0's rax and rip are the same in both readings (and were read).
  @discardableResult
  public mutating func unchanged(_ before: Registers?, _ after: Registers?, _ what: String) -> Bool {
    expect(
      before?.rax != nil && before?.rax == after?.rax && before?.rip == after?.rip,
      "\(what): vcpu0 registers changed: rax \(before?.rax ?? "?") -> \(after?.rax ?? "?"), "
        + "rip \(before?.rip ?? "?") -> \(after?.rip ?? "?")")
  }

  /// xen-resume's contract for every `--json` call: stdout is one JSON document; a success names the xen backend and
  /// has no error object; a failure has `error.kind` and `error.message` and one `xen-resume: error:` line on stderr.
  public mutating func cliContract(_ records: [CommandRecord?]) {
    for case let record? in records where record.tool == .xenResume && record.cmd.contains("--json") && !record.timedOut
    {
      guard let document = record.document, case .object = document else {
        add("`\(record.cmd)`: stdout is not one JSON document: \(record.stdout.prefix(120))")
        continue
      }
      if record.rc == 0 {
        expect(document["error"] == nil, "`\(record.cmd)`: exit 0 with an error object")
        expect(
          document["backend"]?.string == "xen",
          "`\(record.cmd)`: backend \(document["backend"]?.string ?? "none"), expected \"xen\"")
      } else {
        let error = document["error"]
        expect(
          error?["kind"] != nil && error?["message"] != nil,
          "`\(record.cmd)`: \(record.status) without error.kind/message")
        expect(
          record.stderr.contains("xen-resume: error:"),
          "`\(record.cmd)`: \(record.status) without a `xen-resume: error:` line on stderr")
      }
    }
  }
}
