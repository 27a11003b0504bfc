import SystemPackage
import XenResumeCore

/// One `XenHost` call as the simulator recorded it in its trace.
///
/// Arguments and results are kept as values; the human-readable summaries are only formatted when asked for, so
/// tracing costs no string formatting on the hot path.
public struct HostCallRecord: Sendable, Hashable {
  /// The position of the call among all calls the host traced since it was created (starting at 1).
  public let sequence: UInt64
  /// Which host call it was.
  public let operation: XenHostOperation
  /// The domain the call was about, when it was about one.
  public let domain: DomainID?
  /// The arguments, beyond the domain.
  public let arguments: HostCallArguments
  /// How the call ended.
  public let outcome: HostCallOutcome

  /// The errno the call failed with, `nil` when it succeeded or was cancelled.
  public var errno: Errno? {
    if case .failed(let errno, _) = outcome { return errno }
    return nil
  }

  /// Whether the call succeeded.
  public var succeeded: Bool {
    if case .succeeded = outcome { return true }
    return false
  }

  /// The arguments in words, e.g. `path /local/domain/3/control/shutdown, value "suspend"`.
  public var argumentSummary: String { arguments.description }
}

extension HostCallRecord: CustomStringConvertible {
  /// One line such as `#12 xs_write(domain 3) path …, value "suspend" -> ok`.
  public var description: String {
    var text = "#\(sequence) \(operation.rawValue)"
    if let domain { text += "(domain \(domain))" }
    let arguments = argumentSummary
    if !arguments.isEmpty { text += " " + arguments }
    return text + " -> " + outcome.description
  }
}

/// The arguments of a traced host call, beyond the domain it was about.
public enum HostCallArguments: Sendable, Hashable {
  /// The call takes nothing else.
  case none
  /// An HVM parameter index.
  case hvmParameter(HVMParameter)
  /// An HVM parameter and the value written to it.
  case hvmParameterValue(HVMParameter, value: UInt64)
  /// What XS_INTRODUCE gives xenstored: the store ring's frame and the guest's port for it.
  case introduction(storeFrame: UInt64, storePort: EventChannelPort)
  /// The domain an unbound port is allocated for.
  case remoteDomain(DomainID)
  /// A port in the port space of the domain the call is about.
  case portOfDomain(EventChannelPort)
  /// A shutdown reason.
  case shutdownReason(ShutdownReason)
  /// A vcpu, and the width its context was asked in (when it was).
  case vcpu(UInt32, width: GuestWidth?)
  /// A vcpu context that was set, summarised by the two registers the resume paths touch.
  case vcpuContext(UInt32, width: GuestWidth, returnRegister: UInt64, startInfoRegister: UInt64)
  /// A range of one guest page.
  case memory(frame: UInt64, offset: Int, count: Int)
  /// A batch of guest frames: how many, and the first and last (`nil` for an empty batch).
  case frames(count: Int, first: UInt64?, last: UInt64?)
  /// An HVM context handed to Xen (its size).
  case hvmContext(byteCount: Int)
  /// A xenstore path.
  case path(String, transaction: XenStoreTransaction)
  /// A xenstore write.
  case write(String, value: String, transaction: XenStoreTransaction)
  /// A xenstore permission change.
  case permissions(String, [XenStorePermission], transaction: XenStoreTransaction)
  /// The end of a transaction.
  case endTransaction(XenStoreTransaction, commit: Bool)
  /// A watch.
  case watch(XenStoreWatchID)
  /// A watched path.
  case watchPath(String)
  /// A local event channel port.
  case port(EventChannelPort)
  /// A remote domain's port.
  case remotePort(EventChannelPort)
}

extension HostCallArguments: CustomStringConvertible {
  /// The arguments in words.
  public var description: String {
    switch self {
    case .none:
      return ""
    case .hvmParameter(let parameter):
      return parameter.description
    case .hvmParameterValue(let parameter, let value):
      return "\(parameter) = \(value)"
    case .introduction(let storeFrame, let storePort):
      return "store frame 0x\(String(storeFrame, radix: 16)), store port \(storePort)"
    case .remoteDomain(let remote):
      return "for domain \(remote)"
    case .portOfDomain(let port):
      return "port \(port)"
    case .shutdownReason(let reason):
      return "reason \(reason)"
    case .vcpu(let vcpu, let width):
      return "vcpu \(vcpu)" + (width.map { ", \($0)" } ?? "")
    case .vcpuContext(let vcpu, let width, let returnRegister, let startInfoRegister):
      return "vcpu \(vcpu), \(width), return register \(returnRegister), start_info register 0x"
        + String(startInfoRegister, radix: 16)
    case .memory(let frame, let offset, let count):
      return "frame 0x\(String(frame, radix: 16)), offset \(offset), \(count) bytes"
    case .frames(let count, let first, let last):
      guard let first, let last else { return "no frames" }
      let range = "0x\(String(first, radix: 16))" + (count == 1 ? "" : "…0x\(String(last, radix: 16))")
      return "\(count) frame\(count == 1 ? "" : "s") \(range)"
    case .hvmContext(let byteCount):
      return "\(byteCount) bytes"
    case .path(let path, let transaction):
      return "path \(path)" + Self.describe(transaction)
    case .write(let path, let value, let transaction):
      return "path \(path), value \"\(value)\"" + Self.describe(transaction)
    case .permissions(let path, let permissions, let transaction):
      let list = permissions.map { "\($0.domain):\($0.access)" }.joined(separator: " ")
      return "path \(path), permissions [\(list)]" + Self.describe(transaction)
    case .endTransaction(let transaction, let commit):
      return "transaction \(transaction.rawValue), \(commit ? "commit" : "abort")"
    case .watch(let watch):
      return "watch \(watch.rawValue)"
    case .watchPath(let path):
      return "path \(path)"
    case .port(let port):
      return "port \(port)"
    case .remotePort(let port):
      return "remote port \(port)"
    }
  }

  private static func describe(_ transaction: XenStoreTransaction) -> String {
    transaction == .none ? "" : ", transaction \(transaction.rawValue)"
  }
}

/// How a traced host call ended.
public enum HostCallOutcome: Sendable, Hashable {
  /// It returned, with this result.
  case succeeded(HostCallResult)
  /// It threw `XenCallError` with this errno; `injected` when the failure came from `injectFault`.
  case failed(Errno, injected: Bool)
  /// Its task was cancelled while it waited.
  case cancelled
}

extension HostCallOutcome: CustomStringConvertible {
  /// `ok`, `ok: <result>`, `failed: <errno>` or `cancelled`.
  public var description: String {
    switch self {
    case .succeeded(.none): "ok"
    case .succeeded(let result): "ok: \(result)"
    case .failed(let errno, let injected): "failed: \(errno)\(injected ? " (injected)" : "")"
    case .cancelled: "cancelled"
    }
  }
}

/// What a traced host call returned.
public enum HostCallResult: Sendable, Hashable {
  /// Nothing.
  case none
  /// A domain id.
  case domain(DomainID)
  /// A domain's info.
  case domainInfo(DomainInfo)
  /// The ids of the domains a listing returned, in its order.
  case domainList([DomainID])
  /// A number (an HVM parameter).
  case number(UInt64)
  /// A width.
  case width(GuestWidth)
  /// A vcpu context, summarised by the two registers the resume paths touch.
  case vcpuContext(returnRegister: UInt64, startInfoRegister: UInt64)
  /// Bytes read from guest memory, or an HVM context (their count).
  case bytes(count: Int)
  /// What `XEN_DOMCTL_getpageframeinfo3` reported, counted by kind.
  case frameKinds(ram: Int, absent: Int, broken: Int)
  /// A xenstore value, `nil` for a missing node.
  case value(String?)
  /// A transaction.
  case transaction(XenStoreTransaction)
  /// A watch.
  case watch(XenStoreWatchID)
  /// The path a watch event named.
  case watchEvent(String)
  /// The path of a queued watch event taken without waiting, `nil` when none was queued.
  case queuedWatchEvent(String?)
  /// A local event channel port.
  case port(EventChannelPort)
  /// Whether an event was pending.
  case pending(Bool)
  /// The state of a port.
  case eventChannelStatus(EventChannelStatus)
}

extension HostCallResult: CustomStringConvertible {
  /// The result in words.
  public var description: String {
    switch self {
    case .none: ""
    case .domain(let domain): "domain \(domain)"
    case .domainInfo(let info): info.description
    case .domainList(let domains): "domains " + domains.map(String.init(describing:)).joined(separator: ", ")
    case .number(let number): String(number)
    case .width(let width): width.description
    case .vcpuContext(let returnRegister, let startInfoRegister):
      "return register \(returnRegister), start_info register 0x\(String(startInfoRegister, radix: 16))"
    case .bytes(let count): "\(count) bytes"
    case .frameKinds(let ram, let absent, let broken): "\(ram) RAM, \(absent) absent, \(broken) broken"
    case .value(let value): value.map { "\"\($0)\"" } ?? "no node"
    case .transaction(let transaction): "transaction \(transaction.rawValue)"
    case .watch(let watch): "watch \(watch.rawValue)"
    case .watchEvent(let path): path
    case .queuedWatchEvent(let path): path ?? "no event queued"
    case .port(let port): "port \(port)"
    case .pending(let pending): pending ? "pending" : "nothing pending"
    case .eventChannelStatus(let status): status.description
    }
  }
}
