/// `xen-resume status --json` with no domain (every domain Xen knows), beside `xl list`, and one guest asked for by
/// its name, once every guest's group has run.
public struct StatusAllFacts: ScenarioFacts {
  /// One guest this run booted, as the judge needs it.
  public struct BootedGuest: Codable, Sendable, Equatable {
    /// The lab's name for it ("pv", "pvhvm510", …).
    public var name: String
    /// Its domain id.
    public var domain: Int
    /// Its type.
    public var type: GuestKind

    /// A booted guest.
    public init(name: String, domain: Int, type: GuestKind) {
      self.name = name
      self.domain = domain
      self.type = type
    }
  }

  /// The guests this run booted.
  public var booted: [BootedGuest]
  /// `xen-resume status --json`.
  public var statusAll: CommandRecord
  /// `xl list`, run right after it.
  public var xlList: CommandRecord
  /// `xen-resume status NAME --json` for the first booted guest, by the name `xl list` gives its domain; `nil` when
  /// `xl list` named none of them.
  public var byName: CommandRecord?
  /// The name asked for.
  public var askedName: String?
  /// The domain that name belongs to in `xl list`.
  public var askedDomain: Int?

  /// Facts of one listing.
  public init(
    booted: [BootedGuest], statusAll: CommandRecord, xlList: CommandRecord, byName: CommandRecord?,
    askedName: String?, askedDomain: Int?
  ) {
    self.booted = booted
    self.statusAll = statusAll
    self.xlList = xlList
    self.byName = byName
    self.askedName = askedName
    self.askedDomain = askedDomain
  }

  /// `xl list`'s rows as (name, id), from its text: a header line, then `Name ID Mem VCPUs State Time(s)` per
  /// domain (xl refuses names with white space, so the first two fields are the name and the id).
  public static func xlDomains(_ stdout: String) -> [(name: String, domain: Int)] {
    stdout.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
      let fields = line.split(whereSeparator: \.isWhitespace)
      guard fields.count >= 2, let domain = Int(fields[1]) else { return nil }
      return (String(fields[0]), domain)
    }
  }

  /// The same domains as `xl list`, each with xl's name; domain 0 without a suspend path; every booted guest still
  /// there with its type; and a guest's name resolves to its domain.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.cliContract([statusAll, byName])
    guard problems.exit(statusAll, is: 0, "status"), problems.exit(xlList, is: 0, "xl list") else {
      return problems.list
    }
    let listed = statusAll.document?["domains"]?.array ?? []
    var names: [Int: String?] = [:]
    for entry in listed {
      guard let domain = entry["domain"]?.integer else {
        problems.add("a listed domain without an id: \(entry.text)")
        continue
      }
      if names[domain] != nil { problems.add("domain \(domain) listed twice") }
      names[domain] = entry["name"]?.string
    }
    let xl = Self.xlDomains(xlList.stdout)
    problems.expect(!xl.isEmpty, "xl list printed no domain")
    problems.expect(
      Set(names.keys) == Set(xl.map(\.domain)),
      "status listed domains \(names.keys.sorted()), xl list \(xl.map(\.domain).sorted())")
    for (name, domain) in xl where names[domain] != nil {
      let ours = names[domain] ?? nil
      problems.expect(ours == name, "domain \(domain) is named \(ours ?? "null"), xl list says \(name)")
    }
    let dom0 = listed.first { $0["domain"]?.integer == 0 }
    problems.expect(dom0 != nil, "domain 0 is not listed")
    if let dom0 {
      problems.expect(
        dom0["suspendPath"] == .null, "domain 0 has suspend path \(dom0["suspendPath"]?.text ?? "none")")
    }
    // A guest its group killed (a slow-resume outcome whose crash destroyed it) is in neither list.
    for guest in booted where xl.contains(where: { $0.domain == guest.domain }) {
      if let entry = listed.first(where: { $0["domain"]?.integer == guest.domain }) {
        problems.expect(
          entry["guestType"]?.string == guest.type.rawValue,
          "\(guest.name) is listed as \(entry["guestType"]?.text ?? "none"), expected \(guest.type.rawValue)")
      }
    }
    if let byName, let askedName, let askedDomain {
      if problems.exit(byName, is: 0, "status \(askedName)") {
        let found = byName.document?["domains"]?.array?.map { $0["domain"]?.integer ?? -1 } ?? []
        problems.expect(
          found == [askedDomain], "status \(askedName) reported domains \(found), expected [\(askedDomain)]")
      }
    } else {
      problems.add("no booted guest's domain has a name in xl list, so no name was resolved")
    }
    return problems.list
  }
}
