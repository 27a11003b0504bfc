import Testing

@testable import XenResumeCore

/// The rules for values a guest writes into its own xenstore nodes; the fuzz target `xenstore-values` checks the
/// same rules over arbitrary values.
@Suite struct GuestWrittenValueTests {
  @Test(arguments: [("7", UInt32(7)), ("0", 0), ("00012", 12), ("4294967295", UInt32.max)])
  func decimalDigitsAreAPort(value: String, port: UInt32) {
    #expect(GuestWrittenValue.suspendPort(value) == EventChannelPort(port))
  }

  @Test(arguments: ["", "+5", " 5", "5 ", "5\n", "-1", "0x10", "4294967296", "12345678901", "٣", "5\u{0}"])
  func anythingElseIsNoPort(value: String) {
    #expect(GuestWrittenValue.suspendPort(value) == nil)
  }

  @Test func onlyTheRequestItselfIsNoAcknowledgement() {
    #expect(!GuestWrittenValue.isAcknowledgement("suspend"))
    #expect(GuestWrittenValue.isAcknowledgement(""))
    #expect(GuestWrittenValue.isAcknowledgement(nil))
    #expect(GuestWrittenValue.isAcknowledgement("suspend\n"))
  }

  @Test func onlyExactlyOneAnnouncesAFeature() {
    #expect(GuestWrittenValue.announcesFeature("1"))
    for value in ["", "0", "1\n", " 1", "true", nil] { #expect(!GuestWrittenValue.announcesFeature(value)) }
  }

  @Test func aLoggedValueIsPrintableASCIIAndCut() {
    #expect(GuestWrittenValue.loggable("12a") == #""12a""#)
    #expect(GuestWrittenValue.loggable("\u{1B}[2J\r\nforged") == #""\u{1B}[2J\r\nforged""#)
    #expect(GuestWrittenValue.loggable("\u{202E}é") == #""\u{202E}\u{00E9}""#)
    let enormous = String(repeating: "x", count: 4000)
    let logged = GuestWrittenValue.loggable(enormous)
    #expect(logged.hasPrefix("\"" + String(repeating: "x", count: 64) + "\" "))
    #expect(logged.hasSuffix("(the first 64 scalars of 4000 bytes)"))
  }
}
