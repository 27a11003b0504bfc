/// What `xen-resume capture DOMAIN FILE --json` prints on success, as far as the rewind scenario reads it (an error
/// document decodes with every member `nil`).
public struct CaptureDocument: Decodable, Sendable, Equatable {
  /// The captured guest's type.
  public var guestType: String?
  /// The guest frames copied.
  public var frames: Int?
  /// The bytes of guest memory copied.
  public var memoryBytes: Int?
  /// Whether the guest was left suspended.
  public var leftSuspended: Bool?
  /// The copy out of the suspended guest.
  public var captureMicroseconds: Double?
  /// The part of the copy spent classifying holes of the guest's physical map.
  public var holeScanMicroseconds: Double?
  /// Writing the file, after the guest was resumed.
  public var fileWriteMicroseconds: Double?
  /// From the start of the suspend to the end of the fast resume.
  public var pauseMicroseconds: Double?
  /// The fast resume after the copy.
  public var resume: XenResumeStepDocument?
}

/// What `xen-resume rewind DOMAIN FILE --json` prints on success, as far as the rewind scenario reads it (an error
/// document decodes with every member `nil`).
public struct RewindDocument: Decodable, Sendable, Equatable {
  /// The rewound domain.
  public var domain: Int?
  /// The guest frames written back.
  public var frames: Int?
  /// The bytes of guest memory written back.
  public var memoryBytes: Int?
  /// Reading and checking the file, before the guest was suspended.
  public var fileReadMicroseconds: Double?
  /// From the start of the suspend to the end of the rewind's resume.
  public var pauseMicroseconds: Double?
  /// The rewind itself: its mode, duration and stages.
  public var rewind: XenResumeStepDocument?
}

/// The rewind's capture offered to the lab's other PVH guest (`LabPlan.rewindPartner(of:in:)`): a domain of the same
/// type, size and vcpu count, so only its handle tells it from the captured one. It must be refused before anything
/// is asked of that guest: dom0 watches its `control/shutdown` with `xenstore-watch` meanwhile (a suspend through
/// xenstore, the path xen-resume takes for a PVH guest, writes it, and the guest's answer writes it again), and nothing
/// else touches that guest then.
public struct WrongDomainRewindFacts: Codable, Sendable, Equatable {
  /// The other guest's name; `nil` when the lab has none.
  public var guest: String?
  /// Its domain id; `nil` when it is not running.
  public var domain: Int?
  /// Why the wrong-domain rewind was not tried (no other PVH guest, or it is not running); `nil` when it was.
  public var notTried: String?
  /// Xen's view of the other domain before the rewind.
  public var stateBefore: DomainView?
  /// Its console counter before the rewind (to tell a guest that was dead already from one the rewind touched).
  public var aliveBefore: Liveness?
  /// Whether dom0's watch on its `control/shutdown` was in place before the rewind (its first event, which xenstored
  /// sends when a watch is registered, came).
  public var watchRegistered: Bool
  /// The watch's events after that one, from the rewind's start until 2 s without one after it ended: each a write
  /// to `control/shutdown` (a suspend request, or the guest's answer to one).
  public var shutdownNodeEvents: [String]
  /// `xen-resume rewind OTHER FILE --json`.
  public var rewind: CommandRecord?
  /// Xen's view of the other domain after the rewind.
  public var stateAfter: DomainView?
  /// Its console counter after the rewind.
  public var aliveAfter: Liveness?
  /// What dom0 did about a suspension of the other guest left behind (the C client's fast resume), if anything.
  public var recovered: String?

  /// Facts of a wrong-domain rewind tried on `guest` (`domain`); the rest is filled in as it runs.
  public init(guest: String?, domain: Int?, notTried: String? = nil) {
    self.guest = guest
    self.domain = domain
    self.notTried = notTried
    self.watchRegistered = false
    self.shutdownNodeEvents = []
  }

  /// Refused with kind `refused` for being a capture of another domain; the other guest running before and after,
  /// its counter moving on, and no write to its `control/shutdown` seen by a watch that was in place.
  func problems(_ problems: inout Problems) {
    let name = guest ?? "none"
    if let notTried {
      problems.add("wrong-domain rewind: not tried: \(notTried)")
      return
    }
    if problems.exit(rewind, is: 1, "wrong-domain rewind on \(name)"),
      problems.errorKind(rewind, is: "refused", "wrong-domain rewind on \(name)")
    {
      let message = rewind?.document?["error"]?["message"]?.string ?? ""
      problems.expect(
        message.contains("another domain"),
        "wrong-domain rewind on \(name): refused for another reason than the domain (\(message))")
    }
    problems.xen(stateBefore, is: "running", "other guest \(name) before the wrong-domain rewind")
    problems.xen(stateAfter, is: "running", "other guest \(name) after the wrong-domain rewind")
    problems.expect(
      watchRegistered,
      "other guest \(name): dom0's watch on its control/shutdown was not in place, so a suspend could not be seen")
    problems.expect(
      shutdownNodeEvents.isEmpty,
      "other guest \(name): its control/shutdown was written \(shutdownNodeEvents.count) time(s) during the "
        + "wrong-domain rewind: a suspend was asked of it")
    let wasAlive = aliveBefore?.alive == true ? "" : " (nor before it: \(aliveBefore?.counter ?? "not read"))"
    problems.expect(
      aliveAfter?.alive == true,
      "other guest \(name) not alive after the wrong-domain rewind (console counter "
        + "\(aliveAfter?.counter ?? "not read"))\(wasAlive)")
  }
}

/// rewind: on a PVH guest, `xen-resume capture` (suspend, copy of its memory and HVM context, fast resume, file
/// written), the guest counting on well past the captured point, the capture offered to the lab's other PVH guest
/// (refused, that guest untouched), `xen-resume rewind` back to it (the console counter goes back to where it was at
/// the capture and counts on from there), then a few checkpoints through the guest's xenstore and the counter moving
/// on. On a PVHVM guest: the capture refused as unsupported (its device model's state is not captured), the guest
/// running on and no file left.
///
/// The counter is the guest's `RX-COUNTER n` line, once a second: its value lives in the guest's memory (a shell
/// variable), so a rewind of the memory takes it back.
public struct RewindFacts: ScenarioFacts {
  /// The rewind's stages, in order (`xen-resume rewind`'s `rewind.stages`).
  public static let rewindStages = [
    "stateChecked", "stateReplaced", "softReset", "channelsRebuilt", "domainResumed", "xenstoreResumed",
  ]
  /// How far past the counter at the capture the guest must count before the rewind (a tick a second), so that a
  /// counter going back is plain.
  public static let ticksBeforeRewind = 6
  /// How far past the counter at the capture the first one after the rewind may be: the guest is suspended a moment
  /// after the capture command starts (up to a tick later), and once rewound it prints the value after the one it
  /// printed last before that suspend.
  public static let captureSlack = 2
  /// The ticks the counter must make after going back.
  public static let ticksAfterRewind = 3
  /// The checkpoints taken after the rewind.
  public static let checkpointCycles = 3

  /// The guest's type (the judge goes by the context's).
  public var type: GuestKind
  /// The guest's kernel.
  public var kernel: String
  /// The capture file in dom0 (`/tmp`, which is RAM there); deleted at the end.
  public var file: String
  /// The bytes free in dom0's `/tmp` before the capture.
  public var tmpFreeBytes: Int?
  /// The console counter last printed before the capture command started.
  public var counterAtCapture: Int
  /// `xen-resume capture DOMAIN FILE --json`.
  public var capture: CommandRecord
  /// The capture file's size right after the capture; `nil` when there was no file.
  public var fileBytes: Int?
  /// Xen's view right after the capture.
  public var stateAfterCapture: DomainView?
  /// The console counter last printed before the rewind command started (PVH: after the guest counted on past the
  /// capture and the wrong-domain rewind).
  public var counterBeforeRewind: Int?
  /// The capture offered to the lab's other PVH guest (PVH, after a capture that worked).
  public var wrongDomain: WrongDomainRewindFacts?
  /// `xen-resume rewind DOMAIN FILE --json` (PVH, after a capture that worked).
  public var rewind: CommandRecord?
  /// Every counter the guest printed from the rewind command's start until dom0 stopped watching: the guest counts on
  /// while the command reads the file, then, rewound, from the captured point.
  public var countersSinceRewind: [Int]
  /// `xen-resume checkpoint DOMAIN --count 3 --interval 25ms --json` after a rewind that worked.
  public var checkpoint: CommandRecord?
  /// What dom0 did about a suspension left behind (the C client's fast resume), or why it left the domain alone.
  public var recovered: String?
  /// The guest's console counter at the end.
  public var aliveAtEnd: Liveness?
  /// Xen's view at the end.
  public var finalState: DomainView?
  /// The console's last 700 bytes at the end.
  public var console: String

  /// Facts of a rewind whose capture ran: the rest is filled in as the scenario goes on.
  public init(
    type: GuestKind, kernel: String, file: String, tmpFreeBytes: Int?, counterAtCapture: Int, capture: CommandRecord,
    fileBytes: Int?, stateAfterCapture: DomainView?
  ) {
    self.type = type
    self.kernel = kernel
    self.file = file
    self.tmpFreeBytes = tmpFreeBytes
    self.counterAtCapture = counterAtCapture
    self.capture = capture
    self.fileBytes = fileBytes
    self.stateAfterCapture = stateAfterCapture
    self.countersSinceRewind = []
    self.console = ""
  }

  /// The capture's document, when the command succeeded.
  public var captureDocument: CaptureDocument? { capture.succeeded ? capture.decode(CaptureDocument.self) : nil }

  /// The rewind's document, when the command succeeded.
  public var rewindDocument: RewindDocument? {
    rewind?.succeeded == true ? rewind?.decode(RewindDocument.self) : nil
  }

  /// The first counter the guest printed once rewound (`rewound(_:before:)`); `nil` when it never went back.
  public var counterAfterRewind: Int? {
    Self.rewound(countersSinceRewind, before: counterBeforeRewind ?? .max)?.first
  }

  /// What `counters` (printed since the rewind command started) show of the rewound guest: from the first value not
  /// above the one before it (`before` for the first), as the guest counts on while the command reads its file and
  /// counts from the captured point once rewound; `nil` when no value is.
  public static func rewound(_ counters: [Int], before: Int) -> ArraySlice<Int>? {
    var previous = before
    for (index, value) in counters.enumerated() {
      if value <= previous { return counters[index...] }
      previous = value
    }
    return nil
  }

  /// Whether `counters` went back and ran on `ticksAfterRewind` past the value they went back to: what dom0 waits for
  /// after the rewind.
  public static func ranOnAfterGoingBack(_ counters: [Int], before: Int) -> Bool {
    guard let rewound = rewound(counters, before: before), let first = rewound.first, let last = rewound.last else {
      return false
    }
    return last >= first + ticksAfterRewind
  }

  /// PVH: every command worked as it must, the guest counted on after the capture, the other guest refused the capture
  /// untouched, the rewind went through the captured state and a soft reset, the counter went back to the captured
  /// point and counted on, the checkpoints after it went through the guest's xenstore, and the guest runs on. Any
  /// other type: the capture refused as unsupported, no file, the guest running on.
  public func problems(in context: JudgeContext) -> [String] {
    var problems = Problems()
    problems.cliContract([capture, wrongDomain?.rewind, rewind, checkpoint])
    if context.kind == .pvh {
      rewindProblems(&problems)
    } else {
      if problems.exit(capture, is: 1, "capture of a \(context.kind.rawValue) guest") {
        problems.errorKind(capture, is: "unsupported", "capture of a \(context.kind.rawValue) guest")
      }
      problems.expect(fileBytes == nil, "the refused capture left a file: \(file) (\(fileBytes ?? 0) bytes)")
      problems.xen(stateAfterCapture, is: "running", "after the refused capture")
    }
    problems.alive(aliveAtEnd, "guest at the end")
    problems.xen(finalState, is: "running", "at the end")
    return problems.list
  }

  /// The PVH guest's capture, wrong-domain rewind, rewind and checkpoints.
  private func rewindProblems(_ problems: inout Problems) {
    guard problems.exit(capture, is: 0, "capture") else { return }
    let captured = captureDocument
    problems.expect(
      captured?.guestType == "pvh" && (captured?.frames ?? 0) > 0 && (captured?.memoryBytes ?? 0) > 0,
      "capture: guest type \(captured?.guestType ?? "none"), \(captured?.frames ?? 0) frames, "
        + "\(captured?.memoryBytes ?? 0) bytes: expected a PVH guest's memory")
    problems.expect(
      captured?.leftSuspended == false && captured?.resume?.mode == "fast",
      "capture: the guest was not resumed fast (left suspended: \(captured?.leftSuspended.map(String.init) ?? "?"), "
        + "resume mode \(captured?.resume?.mode ?? "none"))")
    problems.expect(
      (fileBytes ?? 0) >= (captured?.memoryBytes ?? 0),
      "capture: \(file) holds \(fileBytes.map(String.init) ?? "nothing"), less than the \(captured?.memoryBytes ?? 0) "
        + "bytes of memory captured")
    problems.xen(stateAfterCapture, is: "running", "after the capture")
    let before = counterBeforeRewind ?? counterAtCapture
    problems.expect(
      before >= counterAtCapture + Self.ticksBeforeRewind,
      "the counter did not count on after the capture: \(counterAtCapture) at the capture, \(before) before the "
        + "rewind (expected at least \(counterAtCapture + Self.ticksBeforeRewind))")
    if let wrongDomain {
      wrongDomain.problems(&problems)
    } else {
      problems.add("wrong-domain rewind: not tried")
    }
    if problems.exit(rewind, is: 0, "rewind") {
      let document = rewindDocument
      problems.expect(
        document?.frames == captured?.frames && document?.memoryBytes == captured?.memoryBytes,
        "rewind: \(document?.frames ?? 0) frames, \(document?.memoryBytes ?? 0) bytes written back; the capture had "
          + "\(captured?.frames ?? 0) frames, \(captured?.memoryBytes ?? 0) bytes")
      problems.expect(
        document?.rewind?.mode == "slow", "rewind: mode \(document?.rewind?.mode ?? "none"), expected slow")
      for problem in StageJudge.problems(
        document?.rewind?.stages, expected: Self.rewindStages, duration: document?.rewind?.durationMicroseconds,
        "rewind")
      {
        problems.add(problem)
      }
      wentBack(&problems)
      if problems.exit(checkpoint, is: 0, "checkpoints after the rewind") {
        let document = checkpoint?.decode(XenResumeCheckpointDocument.self)
        problems.expect(
          document?.succeeded == Self.checkpointCycles && document?.path == "xenstoreControl",
          "checkpoints after the rewind: \(document?.succeeded ?? 0) of \(Self.checkpointCycles) through "
            + "\(document?.path ?? "no path"), expected all through xenstoreControl")
      }
    }
  }

  /// The counter went back to the captured point, then counted on.
  private func wentBack(_ problems: inout Problems) {
    let before = counterBeforeRewind ?? counterAtCapture
    guard let rewound = Self.rewound(countersSinceRewind, before: before), let first = rewound.first,
      let last = rewound.last
    else {
      problems.add(
        "the counter did not go back after the rewind: it printed \(countersSinceRewind) after \(before) "
          + "(captured at \(counterAtCapture))")
      return
    }
    problems.expect(
      first < before && first <= counterAtCapture + Self.captureSlack,
      "the counter went back to \(first) after the rewind, not to the captured point: \(counterAtCapture) at the "
        + "capture (expected at most \(counterAtCapture + Self.captureSlack)), \(before) before the rewind")
    problems.expect(
      last >= first + Self.ticksAfterRewind,
      "the counter did not count on after going back: \(Array(rewound)) (expected \(Self.ticksAfterRewind) ticks "
        + "past \(first))")
  }
}
