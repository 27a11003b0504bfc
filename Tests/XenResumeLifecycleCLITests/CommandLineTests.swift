import Foundation
import Testing

/// The command line the real-Xen harness drives: usage errors exit 2, help exits 0, and a machine that is not a
/// dom0 is told so and exits 1 before printing any result.
@Suite struct CommandLineTests {
  @Test(arguments: [
    [], ["--guest", "0:pv"], ["--guest", "3:xen"], ["--guest", "3"], ["--guest"], ["--guest", "32752:pv"],
    ["--guest", "3:pv", "--guest", "3:hvm"], ["--guest", "3:pv", "--scenario", "everything"],
    ["--guest", "3:pv", "--cycle-timeout-seconds", "0"], ["--guest", "3:pv", "--replace-timeout-seconds", "soon"],
    ["--frobnicate"],
  ])
  func usageErrorsExit2(_ arguments: [String]) throws {
    let run = try Executable.run(arguments)
    #expect(run.status == 2, "\(arguments): \(run.stderr)")
    #expect(run.stdout.isEmpty)
    #expect(run.stderr.contains("usage: xen-resume-lifecycle"))
  }

  @Test func helpExits0() throws {
    let run = try Executable.run(["--help"])
    #expect(run.status == 0)
    #expect(run.stdout.contains("--guest <domid>:<type>[:<log>]"))
    #expect(run.stdout.contains("xenstored-lost"))
  }

  @Test(.enabled(if: !FileManager.default.fileExists(atPath: "/dev/xen/privcmd")))
  func withoutXenItSaysSoAndExits1() throws {
    let run = try Executable.run(["--guest", "3:pv:/var/log/xen/console/guest-rx-pv.log"])
    #expect(run.status == 1)
    #expect(run.stdout.isEmpty, "no result is printed when the host cannot be opened")
    #expect(run.stderr.contains("cannot open the Xen libraries"))
  }
}

/// Runs the `xen-resume-lifecycle` binary that `swift build` put next to the test bundle.
enum Executable {
  struct Run {
    let status: Int32
    let stdout: String
    let stderr: String
  }

  static let url: URL = {
    // On Linux the test bundle is an executable in the products directory; on macOS it is a bundle inside it.
    var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
      candidates.append(bundle.bundleURL.deletingLastPathComponent())
    }
    let found = candidates.map { $0.appendingPathComponent("xen-resume-lifecycle") }
    return found.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? found[0]
  }()

  static func run(_ arguments: [String]) throws -> Run {
    // Files rather than pipes: the test never has to drain a pipe while it waits for the exit.
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("xen-resume-lifecycle-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let outURL = directory.appendingPathComponent("stdout")
    let errURL = directory.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    let process = Process()
    process.executableURL = url
    process.arguments = arguments
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    return Run(
      status: process.terminationStatus,
      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
  }
}
