/// `xen-resume status DOMAIN --json` on a running guest.
public struct StatusFacts: ScenarioFacts {
  /// The command.
  public var status: CommandRecord

  /// Facts of one status call.
  public init(status: CommandRecord) { self.status = status }

  /// The guest's type, width 64, the path its type gets, running; and the binary is the one built against this lab's
  /// release (libxenctrl's soname carries it), reading domain info with the exact call where that release has one.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.cliContract([status])
    guard problems.exit(status, is: 0, "status") else { return problems.list }
    let document = status.document
    let domain = document?["domains"]?.array?.first
    let kind = context.kind
    problems.expect(
      domain?["guestType"]?.string == kind.rawValue,
      "guestType \(domain?["guestType"]?.text ?? "none"), expected \"\(kind.rawValue)\"")
    problems.expect(
      domain?["suspendPath"]?.string == context.expectedSuspendPath,
      "suspendPath \(domain?["suspendPath"]?.text ?? "none"), expected \"\(context.expectedSuspendPath)\" "
        + "(\(domain?["pathReason"]?.string ?? ""))")
    problems.expect(
      domain?["state"]?.string == "running", "state \(domain?["state"]?.text ?? "none"), expected \"running\"")
    problems.expect(domain?["width"]?.integer == 64, "width \(domain?["width"]?.text ?? "none"), expected 64")
    let library = document?["xenLibrary"]
    problems.expect(
      library?["release"]?.string == context.lab.xen,
      "xen-resume loaded libxenctrl \(library?["release"]?.text ?? "none"), expected \(context.lab.xen)")
    let call = context.lab.xen == "4.17" ? "xc_domain_getinfolist" : "xc_domain_getinfo_single"
    problems.expect(
      library?["domainInfoCall"]?.string == call,
      "domain info through \(library?["domainInfoCall"]?.text ?? "none"), expected \(call)")
    return problems.list
  }
}
