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
