@_spi(XenHostBackends) @testable import XenResumeCore

/// The `xenstore-values` target: a value a guest could write into one of its nodes, read with the rules the
/// controller reads it with (`GuestWrittenValue`), each checked against an independent statement of the rule
/// made over the raw bytes. A rule that disagrees, or traps, is a crash for libFuzzer.
///
/// The bytes are the node's value exactly as xenstored returns it; they become a `String` as `LibxenHost.read`
/// makes one (decoded as UTF-8, invalid sequences replaced, NULs kept), so the rules see what they see on a dom0.
public enum XenStoreValueCheck {
  /// Checks every rule on one value; traps on a disagreement.
  public static func run(_ bytes: some Collection<UInt8>) {
    let value = String(decoding: bytes, as: UTF8.self)

    // device/suspend/event-channel: a port only for 1 to 10 ASCII digits whose number fits in 32 bits.
    let digits = value.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    var number: UInt64? = digits && (1...10).contains(value.utf8.count) ? 0 : nil
    for digit in value.utf8 where number != nil { number = number! * 10 + UInt64(digit - 0x30) }
    let expectedPort = number.flatMap { $0 <= UInt64(UInt32.max) ? UInt32($0) : nil }
    let port = GuestWrittenValue.suspendPort(value)
    guard port?.rawValue == expectedPort else {
      fatalError(
        "suspend port of \(value.debugDescription) is \(String(describing: port)), not \(String(describing: expectedPort))"
      )
    }
    if let port, GuestWrittenValue.suspendPort(port.description) != port {
      fatalError("port \(port) does not read back from its own decimal form")
    }

    // control/shutdown after a request: only the request itself is no acknowledgement.
    let isRequest = Array(value.utf8) == Array("suspend".utf8)
    guard GuestWrittenValue.isAcknowledgement(value) == !isRequest else {
      fatalError("\(value.debugDescription) is misread as \(isRequest ? "an acknowledgement" : "the request")")
    }

    // control/feature-*: announced only by the single byte "1".
    guard GuestWrittenValue.announcesFeature(value) == (Array(value.utf8) == [0x31]) else {
      fatalError(
        "\(value.debugDescription) is misread as \(GuestWrittenValue.announcesFeature(value) ? "" : "not ")announcing a feature"
      )
    }

    checkLoggable(value)
  }

  /// What a log message shows of the value: printable ASCII only, and at most `loggedPrefix` scalars of it, each
  /// escaped in at most 10 characters (`\u{10FFFF}`), plus the quotes and the note of its size.
  static func checkLoggable(_ value: String) {
    let logged = GuestWrittenValue.loggable(value)
    guard logged.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
      fatalError(
        "the logged form of \(value.debugDescription) holds more than printable ASCII: \(logged.debugDescription)")
    }
    guard logged.utf8.count <= GuestWrittenValue.loggedPrefix * 10 + 80 else {
      fatalError("the logged form of a \(value.utf8.count)-byte value is \(logged.utf8.count) bytes long")
    }
  }

  /// The rules' answers for a missing node, which never change: no port, an acknowledgement (a deleted node), no
  /// feature. Checked once by the tests rather than on every input.
  public static var missingNodeAnswers: (port: EventChannelPort?, acknowledges: Bool, announces: Bool) {
    (
      GuestWrittenValue.suspendPort(nil), GuestWrittenValue.isAcknowledgement(nil),
      GuestWrittenValue.announcesFeature(nil)
    )
  }
}
