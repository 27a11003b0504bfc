/// A guest's boot: `xl create` and its first console counter line.
public struct BootFacts: ScenarioFacts {
  /// Its domain id once booted.
  public var domid: Int?
  /// How long `xl create` took (s), when it ended.
  public var createSeconds: Double?
  /// From `xl create` to the first counter line (s), when there was one.
  public var firstLineSeconds: Double?
  /// How long dom0 waited in vain (s), when there was none.
  public var waitedSeconds: Double?
  /// dom0 uptime when it was created.
  public var startedAt: Double
  /// `xl create` runs (a second one after a failed create or a guest that died before its first line).
  public var attempts: Int
  /// How the first attempt ended, when there was a second.
  public var firstAttempt: String?
  /// The end of `xl create`'s output, when it failed.
  public var xlCreate: String?
  /// The end of the guest's console, when it never printed its first line.
  public var console: String?

  /// Boot facts.
  public init(
    domid: Int?, createSeconds: Double?, firstLineSeconds: Double?, waitedSeconds: Double?, startedAt: Double,
    attempts: Int, firstAttempt: String?, xlCreate: String?, console: String?
  ) {
    self.domid = domid
    self.createSeconds = createSeconds
    self.firstLineSeconds = firstLineSeconds
    self.waitedSeconds = waitedSeconds
    self.startedAt = startedAt
    self.attempts = attempts
    self.firstAttempt = firstAttempt
    self.xlCreate = xlCreate
    self.console = console
  }

  /// The guest printed its first counter line under a domain id.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    if problems.expect(
      firstLineSeconds != nil,
      "no console line within \(Int(waitedSeconds ?? 0)) s of xl create (\(attempts) attempt(s)"
        + (firstAttempt.map { "; first: \($0)" } ?? "") + "): " + (xlCreate ?? console ?? "")
    ) {
      problems.expect(domid != nil, "booted, but xl knows no domain \(context.guest?.domainName ?? "")")
    }
    return problems.list
  }
}

/// dom0's tool stack is up: `xl info` answered.
public struct Dom0ReadyFacts: ScenarioFacts {
  /// dom0 uptime (s).
  public var uptime: Double
  /// `xl info`'s xen_version.
  public var xenVersion: String?
  /// `xl info`'s virt_caps.
  public var virtCaps: String?
  /// What build.sh wrote into the image (/rx/build-info.json: package versions, the binaries' facts).
  public var build: JSONDocument?
  /// The guests this run starts.
  public var guests: [String]

  /// Facts of dom0's start.
  public init(uptime: Double, xenVersion: String?, virtCaps: String?, build: JSONDocument?, guests: [String]) {
    self.uptime = uptime
    self.xenVersion = xenVersion
    self.virtCaps = virtCaps
    self.build = build
    self.guests = guests
  }

  /// `xl info` named a Xen of the lab's release.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    if problems.expect(xenVersion != nil, "xl info named no xen_version") {
      problems.expect(
        xenVersion?.hasPrefix(context.lab.xen + ".") == true,
        "xl info: Xen \(xenVersion ?? ""), expected \(context.lab.xen).x")
    }
    return problems.list
  }
}
