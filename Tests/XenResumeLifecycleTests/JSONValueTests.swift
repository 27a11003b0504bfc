import Testing
import XenResumeLifecycle

/// The result lines are parsed by the real-Xen judge: they must be valid JSON whatever an error message holds.
@Suite struct JSONValueTests {
  @Test func stringsAreEscaped() {
    let value: JSONValue = ["detail": .string("a \"quoted\" \\ path\nline\u{01}é")]
    #expect(value.text == #"{"detail":"a \"quoted\" \\ path\nline\u0001é"}"#)
  }

  @Test func objectsKeepTheirOrderAndNumbersTheirWidth() {
    let value: JSONValue = [
      "z": 1, "a": [true, nil], "cpu": .integer(UInt64.max), "neg": .integer(Int64.min),
    ]
    #expect(value.text == #"{"z":1,"a":[true,null],"cpu":18446744073709551615,"neg":-9223372036854775808}"#)
    #expect(value["a"] == [true, nil])
    #expect(value["missing"] == nil)
  }
}

/// dom0's liveness check reads the guests' console logs, whose lines end with CRLF.
@Suite struct ConsoleCounterTests {
  @Test func theLastCounterOfCRLFLinesIsRead() {
    let log = "RX-COUNTER 1 up=6.5\r\n[  7.1] xen: something\r\nRX-COUNTER 2 up=7.6\r\nRX-COUNTER 3 up=8.6\r\n"
    #expect(ConsoleCounter.last(in: log) == 3)
    #expect(ConsoleCounter.last(in: "RX-COUNTER 41 up=1\nRX-COUNTER 42 up=2\n") == 42)
    #expect(ConsoleCounter.last(in: "RX-COUNTER 9 up=1\nRX-COUNTER") == 9, "a line cut at the tail's end")
    #expect(ConsoleCounter.last(in: "[  1.0] booting\r\n") == nil)
  }
}
