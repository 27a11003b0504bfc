import DomZeroProcess
import Glibc
import XCTest

/// A child spoken to a line at a time: answers arrive in order, a silent child is killed at the limit, and the end
/// of input ends a child that reads to it.
final class LineChildTests: XCTestCase {
  private let errorPath = "/tmp/line-child-test-\(getpid()).err"

  override func tearDown() {
    unlink(errorPath)
  }

  func testEachLineSentComesBackInOrderAndTheEndOfInputEndsTheChild() async throws {
    let child = try LineChild(["sh", "-c", "while read line; do echo \"got $line\"; done"], errorPath: errorPath)
    for word in ["one", "two", "three"] {
      XCTAssertTrue(child.send(word))
      let answer = await child.nextLine(within: .seconds(30))
      XCTAssertEqual(answer, "got \(word)")
    }
    let exitCode = await child.finish(within: .seconds(30))
    XCTAssertEqual(exitCode, 0)
  }

  func testLinesWrittenTogetherAreTakenOneAtATimeAndALastLineWithoutNewlineCounts() async throws {
    let child = try LineChild(["sh", "-c", "read line; printf 'a\\nb\\nc'"], errorPath: errorPath)
    child.send("go")
    var lines: [String?] = []
    for _ in 0..<4 { lines.append(await child.nextLine(within: .seconds(30))) }
    XCTAssertEqual(lines, ["a", "b", "c", nil])
    let exitCode = await child.finish(within: .seconds(30))
    XCTAssertEqual(exitCode, 0)
  }

  func testASilentChildIsKilledAtTheLimitAndItsWaitEnds() async throws {
    let child = try LineChild(["sleep", "600"], errorPath: errorPath)
    let clock = ContinuousClock()
    let start = clock.now
    let line = await child.nextLine(within: .milliseconds(200))
    XCTAssertNil(line)
    XCTAssertLessThan(start.duration(to: clock.now), .seconds(60))
    let exitCode = await child.finish(within: .seconds(30))
    XCTAssertNil(exitCode, "killed, not exited")
  }

  func testAProgramThatDoesNotExistIsAFailureNamingIt() {
    XCTAssertThrowsError(try LineChild(["no-such-program-rx"], errorPath: errorPath)) { error in
      XCTAssertTrue("\(error)".contains("no-such-program-rx"), "\(error)")
    }
  }
}
