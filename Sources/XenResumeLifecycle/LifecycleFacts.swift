import XenResumeCore

/// How results describe errors, domains and vcpu contexts, in the shapes the real-Xen judge reads.
extension StepRunner {
  /// `{"kind":"refused","domain":3,"description":"…"}`: the `SuspendResumeError` case (or `cancelled`, `host-call`,
  /// `other`) and the error's own description.
  static func errorFacts(_ error: any Error) -> JSONValue {
    var members = [JSONMember("kind", .string(kind(of: error)))]
    if let error = error as? SuspendResumeError {
      members.append(JSONMember("domain", .integer(error.domain.rawValue)))
    }
    members.append(JSONMember("description", .string(describe(error))))
    return .object(members)
  }

  static func kind(of error: any Error) -> String {
    switch error {
    case let error as SuspendResumeError:
      switch error {
      case .domainNotFound: "domainNotFound"
      case .refused: "refused"
      case .notSuspended: "notSuspended"
      case .timedOut: "timedOut"
      case .shutDownForOtherReason: "shutDownForOtherReason"
      case .unsupported: "unsupported"
      case .alreadyInProgress: "alreadyInProgress"
      case .hostCall: "hostCall"
      case .rebuildIncomplete: "rebuildIncomplete"
      case .rewindIncomplete: "rewindIncomplete"
      }
    case is XenCallError: "xenCall"
    case is CancellationError: "cancelled"
    default: "other"
    }
  }

  static func describe(_ error: any Error) -> String {
    String(describing: error)
  }

  /// Whether `error` is the refusal the scenarios require: `SuspendResumeError.refused` for this domain.
  static func isRefusal(_ error: any Error, of domain: DomainID) -> Bool {
    if case .refused(let refused, _) = error as? SuspendResumeError { return refused == domain }
    return false
  }

  /// Xen's view of a domain: `{"state":"suspended","flags":"0x…","handle":"…","cpuTimeNs":N,"totalPages":N}`.
  static func domainFacts(_ info: DomainInfo) -> JSONValue {
    [
      "state": .string(DomainState(info).description),
      "flags": .string("0x" + String(info.flags.rawValue, radix: 16)),
      "handle": .string(info.handle.description),
      "cpuTimeNs": .integer(info.cpuTime),
      "totalPages": .integer(info.totalPages),
    ]
  }

  static func suspendFacts(_ suspended: SuspendedDomain) -> JSONValue {
    let duration = suspended.duration.components
    let micros = duration.seconds * 1_000_000 + duration.attoseconds / 1_000_000_000_000
    return ["path": .string(suspended.path.rawValue), "durationMicroseconds": .integer(micros)]
  }

  /// A context as `{"bytes":5168,"digest":"…","returnRegister":"0x…"}`: the whole register set, compared by a
  /// 64-bit FNV-1a digest (the bytes themselves would make lines of ten kilobytes on a serial console).
  static func contextFacts(_ context: VCPUContext) -> JSONValue {
    [
      "bytes": .integer(context.bytes.count), "digest": .string(digest(context.bytes)),
      "returnRegister": .string("0x" + String(context.returnRegister, radix: 16)),
    ]
  }

  static func digest(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      hash ^= UInt64(byte)
      hash = hash &* 0x0000_0100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }

  /// Byte offsets at which two contexts differ (all of them counted, the first few listed).
  static func differences(_ before: VCPUContext, _ after: VCPUContext) -> JSONValue {
    let offsets = zip(before.bytes, after.bytes).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
    return [
      "differingBytes": .integer(offsets.count + abs(before.bytes.count - after.bytes.count)),
      "firstOffsets": .array(offsets.prefix(8).map { .integer($0) }),
    ]
  }
}
