/// How the controller reads the values a guest writes into its own xenstore subtree.
///
/// Every one of them is untrusted: the guest owns the nodes and may write anything xenstored accepts (any bytes, up
/// to its payload limit) at any moment. Each rule below decides from the value alone, never fails, and treats
/// anything it does not recognise as the safe answer (no channel, no feature). The fuzz target `xenstore-values`
/// (`Tests/Fuzz`) feeds them arbitrary values and checks these rules.
enum GuestWrittenValue {
  /// The request the controller writes to `control/shutdown`.
  static let suspendRequest = "suspend"

  /// `device/suspend/event-channel`: a port number, written in decimal digits only (1 to 10 of them, within 32
  /// bits). `nil` for a missing or empty node (no channel) and for anything else: signs, spaces, other text.
  static func suspendPort(_ value: String?) -> EventChannelPort? {
    guard let value, (1...10).contains(value.utf8.count), value.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
      let number = UInt32(value, radix: 10)
    else { return nil }
    return EventChannelPort(number)
  }

  /// `control/shutdown` after a request: anything but the request itself is the guest's acknowledgement (Linux
  /// writes "", Windows PV drivers 8.x delete the node, some guests write other text), as libxl reads it.
  static func isAcknowledgement(_ value: String?) -> Bool {
    value != suspendRequest
  }

  /// `control/feature-*`: the feature is announced only by exactly `1`, as libxl reads it.
  static func announcesFeature(_ value: String?) -> Bool {
    value == "1"
  }

  /// How many Unicode scalars of a guest's value a log message shows (scalars, not characters: one character can
  /// hold thousands of combining scalars).
  static let loggedPrefix = 64

  /// A guest's value as a log message may show it: quoted, printable ASCII only (every other scalar escaped, so a
  /// guest can neither move an operator's cursor, clear the screen, reorder text nor forge log lines), cut after
  /// `loggedPrefix` scalars with its full size said.
  static func loggable(_ value: String) -> String {
    var shown = "\""
    for scalar in value.unicodeScalars.prefix(loggedPrefix) {
      let plain = scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "\"" && scalar != "\\"
      shown += plain ? String(scalar) : scalar.escaped(asASCII: true)
    }
    shown += "\""
    let cut = value.unicodeScalars.count > loggedPrefix
    return cut ? shown + " (the first \(loggedPrefix) scalars of \(value.utf8.count) bytes)" : shown
  }
}
