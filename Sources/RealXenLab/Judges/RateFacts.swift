/// "rate": the highest sustained checkpoint rate of each tool on the guest, from back-to-back loops (no interval),
/// xen-resume's `checkpoint --count N --interval 0s` and then the C client's `cycle --count N` on the same path.
public struct RateFacts: ScenarioFacts {
  /// Cycles asked of each loop.
  public var count: Int
  /// xen-resume's loop.
  public var swift: CommandRecord
  /// The C client's loop; `nil` when xen-resume's failed and it did not run.
  public var c: CommandRecord?
  /// The guest afterwards.
  public var liveness: Liveness
  /// What the C client did to undo a suspension left behind, if anything.
  public var recovered: String?

  /// Remus's default checkpoint interval is 25 ms: the rate a checkpointing toolstack is measured against.
  public static let remusRate = 40.0

  /// Facts of the loops.
  public init(count: Int, swift: CommandRecord, c: CommandRecord?, liveness: Liveness, recovered: String?) {
    self.count = count
    self.swift = swift
    self.c = c
    self.liveness = liveness
    self.recovered = recovered
  }

  /// How much of xen-resume's loop document the harness keeps: every cycle's stages of 200 cycles take about 40 KB,
  /// more than a command's default 16 KiB tail, and a cut document cannot be judged.
  public static let documentBytes = 1 << 18

  /// How many cycles a loop gets: as many as `budget` seconds hold at the guest's paced median pause, at least
  /// `CheckpointFacts.minimumCycles` (what the checkpoint row needs; a guest whose pause takes seconds, like PVHVM
  /// on the 4.20 lab, would otherwise hold the whole lab up), at most 200 (the figure). Without a median, 50.
  public static func cycles(budget: Double, medianPauseMicroseconds: Double?) -> Int {
    guard let median = medianPauseMicroseconds, median > 0 else { return 50 }
    return min(200, max(CheckpointFacts.minimumCycles, Int(budget / (median / 1e6))))
  }

  /// xen-resume's checkpoints per second over its loop.
  public var swiftRate: Double? {
    swift.decode(RateDocument.self).flatMap { $0.rate }
  }

  /// The C client's cycles per second over its loop.
  public var cRate: Double? {
    c?.decode(RateDocument.self).flatMap { $0.rate }
  }

  /// The two fields of either tool's loop document a rate is made of.
  struct RateDocument: Decodable {
    var succeeded: Int?
    var elapsedMicroseconds: Double?

    var rate: Double? {
      guard let succeeded, let elapsedMicroseconds, elapsedMicroseconds > 0 else { return nil }
      return Double(succeeded) / (elapsedMicroseconds / 1e6)
    }
  }

  /// Both loops ran every cycle and reported their elapsed time, and the guest is alive. The rates are reported, not
  /// judged.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.cliContract([swift])
    problems.exit(swift, is: 0, "xen-resume's loop")
    if let c {
      if !c.succeeded {
        let why = c.decode(CClientCycleDocument.self)?.error ?? c.lastErrorLine
        problems.add("the C client's loop: `\(c.cmd)` \(c.status), expected exit 0" + (why.map { ": " + $0 } ?? ""))
      }
    } else {
      problems.add("the C client's loop did not run (xen-resume's failed first)")
    }
    problems.expect(swiftRate != nil, "xen-resume's loop reported no rate")
    problems.expect(c == nil || cRate != nil, "the C client's loop reported no rate")
    problems.alive(liveness)
    return problems.list
  }
}
