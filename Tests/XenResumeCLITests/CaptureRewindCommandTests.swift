import Foundation
import XCTest

/// `xen-resume capture` and `rewind` on simulated guests (6 is the default PVH guest, 1 PV, 3 PVHVM). Each run starts
/// its own simulator with the same guests, so a file captured in one run names the same domain in the next.
final class CaptureRewindCommandTests: XCTestCase {
  private var directory: URL!

  override func setUpWithError() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("capture-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try FileManager.default.removeItem(at: directory)
  }

  private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

  func testACaptureWritesTheFileAndTheGuestRunsOnThenARewindPutsItBack() async throws {
    let file = path("pvh.capture")
    let capture = await CLIRunner.simulated(["capture", "6", file, "--json"])
    XCTAssertEqual(capture.status, 0, capture.stderr)
    let document = try capture.jsonObject()
    XCTAssertEqual(
      Set(document.keys),
      [
        "backend", "domain", "file", "guestType", "frames", "memoryBytes", "contextBytes", "leftSuspended",
        "captureMicroseconds", "holeScanMicroseconds", "fileWriteMicroseconds", "pauseMicroseconds", "suspend",
        "resume",
      ])
    XCTAssertEqual(document["guestType"] as? String, "pvh")
    XCTAssertEqual(document["leftSuspended"] as? Bool, false)
    let frames = try XCTUnwrap(document["frames"] as? Int)
    XCTAssertGreaterThan(frames, 0)
    XCTAssertEqual(document["memoryBytes"] as? Int, frames * 4096)
    let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
    XCTAssertEqual(size, 72 + (document["contextBytes"] as? Int ?? -1) + frames * (8 + 4096) + 4)
    XCTAssertFalse(FileManager.default.fileExists(atPath: file + ".partial"))

    let rewind = await CLIRunner.simulated(["rewind", "6", file, "--json"])
    XCTAssertEqual(rewind.status, 0, rewind.stderr)
    let rewound = try rewind.jsonObject()
    XCTAssertEqual(rewound["frames"] as? Int, frames)
    let stages = ((rewound["rewind"] as? [String: Any])?["stages"] as? [[String: Any]])?.compactMap {
      $0["stage"] as? String
    }
    XCTAssertEqual(
      stages, ["stateChecked", "stateReplaced", "softReset", "channelsRebuilt", "domainResumed", "xenstoreResumed"])

    let left = await CLIRunner.simulated(["capture", "6", path("left.capture"), "--leave-suspended"])
    XCTAssertEqual(left.status, 0, left.stderr)
    XCTAssertTrue(left.stdout.contains("left suspended"), left.stdout)
  }

  func testGuestsWithoutASoftResetOrWithADeviceModelAreRefusedAndNoFileIsLeft() async throws {
    let file = path("pvh.capture")
    let capture = await CLIRunner.simulated(["capture", "6", file])
    XCTAssertEqual(capture.status, 0, capture.stderr)
    for domain in ["1", "3"] {
      let refusedCapture = await CLIRunner.simulated(["capture", domain, path("other.capture"), "--json"])
      XCTAssertEqual(refusedCapture.status, 1, "domain \(domain)")
      XCTAssertEqual(try refusedCapture.jsonError().kind, "unsupported", "domain \(domain)")
      XCTAssertFalse(FileManager.default.fileExists(atPath: path("other.capture")), "domain \(domain)")
      let refusedRewind = await CLIRunner.simulated(["rewind", domain, file, "--json"])
      XCTAssertEqual(refusedRewind.status, 1, "domain \(domain)")
      XCTAssertEqual(try refusedRewind.jsonError().kind, "unsupported", "domain \(domain)")
    }
  }

  func testADamagedOrMissingFileIsRefusedBeforeTheGuestIsSuspended() async throws {
    let file = path("pvh.capture")
    let capture = await CLIRunner.simulated(["capture", "6", file])
    XCTAssertEqual(capture.status, 0, capture.stderr)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
    bytes[bytes.count - 100] ^= 0x40
    try bytes.write(to: URL(fileURLWithPath: file))
    let damaged = await CLIRunner.simulated(["rewind", "6", file, "--json", "--log-level", "debug"])
    XCTAssertEqual(damaged.status, 1)
    let error = try damaged.jsonError()
    XCTAssertEqual(error.kind, "captureFile")
    XCTAssertTrue(error.message.contains("checksum"), error.message)
    XCTAssertFalse(damaged.stderr.contains("suspending"), "not suspended: \(damaged.stderr)")

    let missing = await CLIRunner.simulated(["rewind", "6", path("absent.capture"), "--json"])
    XCTAssertEqual(missing.status, 1)
    XCTAssertEqual(try missing.jsonError().kind, "captureFile")
  }
}
