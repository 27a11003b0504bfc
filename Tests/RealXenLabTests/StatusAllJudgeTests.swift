import RealXenLab
import Testing

// status-all as dom0 records it: xen-resume's listing (keys sorted, as it prints them) and xl list's text.

private let lab = LabJSON.decode(Lab.self, from: #"{"xen":"4.20","suite":"trixie","kernel":"6.12","guests":[]}"#)!
private let context = JudgeContext(lab: lab, guest: nil)

private func entry(_ domain: Int, _ name: String?, _ type: String, path: String?) -> String {
  let name = name.map { "\"\($0)\"" } ?? "null"
  let path = path.map { "\"\($0)\"" } ?? "null"
  return #"{"domain":\#(domain),"guestType":"\#(type)","name":\#(name),"pathReason":"…","shutdownReason":null,"#
    + #""state":"running","suspendPath":\#(path),"width":64}"#
}

private func status(_ arguments: String, _ entries: [String], rc: Int32 = 0) -> CommandRecord {
  let stdout =
    #"{"backend":"xen","domains":[\#(entries.joined(separator: ","))],"#
    + #""xenLibrary":{"domainInfoCall":"xc_domain_getinfo_single","release":"4.20"}}"#
  return CommandRecord(
    cmd: "/usr/bin/xen-resume " + arguments, tool: .xenResume, rc: rc, timedOut: false, stdout: stdout + "\n",
    stderr: "", ms: 60)
}

private let xlList = CommandRecord(
  cmd: "xl list", tool: .xl, rc: 0, timedOut: false,
  stdout: """
    Name                                        ID   Mem VCPUs\tState\tTime(s)
    Domain-0                                     0  1024     2     r-----      40.1
    pv                                           1   128     1     -b----       3.0
    hvm                                          2   128     1     -b----       9.9

    """, stderr: "", ms: 80)

private let dom0 = entry(0, "Domain-0", "pv", path: nil)
private let pv = entry(1, "pv", "pv", path: "xenstoreControl")
private let hvm = entry(2, "hvm", "hvm", path: "hypervisorShutdown")
private let booted = [
  StatusAllFacts.BootedGuest(name: "pv", domain: 1, type: .pv),
  StatusAllFacts.BootedGuest(name: "hvm", domain: 2, type: .hvm),
]

private func facts(
  listing: [String] = [dom0, pv, hvm], byName: [String]? = [pv], booted: [StatusAllFacts.BootedGuest] = booted
) -> StatusAllFacts {
  StatusAllFacts(
    booted: booted, statusAll: status("status --json", listing), xlList: xlList,
    byName: byName.map { status("status pv --json", $0) }, askedName: "pv", askedDomain: 1)
}

@Test func everyDomainXlListsWithItsNameAndTypePasses() {
  #expect(StatusAllFacts.xlDomains(xlList.stdout).map(\.domain) == [0, 1, 2])
  #expect(facts().problems(in: context) == [])
}

@Test func aDomainXlListsButStatusLeftOutFails() {
  let problems = facts(listing: [dom0, pv]).problems(in: context)
  #expect(problems == ["status listed domains [0, 1], xl list [0, 1, 2]"])
}

@Test func aNameOtherThanXlsFails() {
  let problems = facts(listing: [dom0, entry(1, nil, "pv", path: "xenstoreControl"), hvm]).problems(in: context)
  #expect(problems == ["domain 1 is named null, xl list says pv"])
}

@Test func aGuestListedAsAnotherTypeFails() {
  let problems = facts(listing: [dom0, pv, entry(2, "hvm", "pvhvm", path: "xenstoreControl")]).problems(in: context)
  #expect(problems == ["hvm is listed as \"pvhvm\", expected hvm"])
}

@Test func domainZeroWithASuspendPathFails() {
  let problems = facts(listing: [entry(0, "Domain-0", "pv", path: "xenstoreControl"), pv, hvm]).problems(in: context)
  #expect(problems == [#"domain 0 has suspend path "xenstoreControl""#])
}

@Test func aNameThatResolvesToAnotherDomainFails() {
  let problems = facts(byName: [hvm]).problems(in: context)
  #expect(problems == ["status pv reported domains [2], expected [1]"])
}

@Test func aBootedGuestGoneFromBothListsIsNoProblem() {
  let gone = booted + [StatusAllFacts.BootedGuest(name: "pv510", domain: 7, type: .pv)]
  #expect(facts(booted: gone).problems(in: context) == [])
}
