import Foundation
import Testing

@testable import FuzzInputs

/// The seeds reach what they are for, and the committed corpus is exactly the seeds.
@Suite struct SeedCorpusTests {
  @Test(arguments: GuestMemorySeeds.all.map(\.name))
  func eachGuestMemorySeedIsReadToTheRingsItDescribes(name: String) {
    let input = GuestMemorySeeds.all.first { $0.name == name }!.input
    #expect(
      GuestMemoryCheck.run(input)
        == .read(
          startInfoFrame: GuestMemorySeeds.startInfoFrame, storeMFN: GuestMemorySeeds.expectedStoreMFN,
          consoleMFN: GuestMemorySeeds.expectedConsoleMFN))
    #expect(GuestMemoryInput(bytes: input.bytes) == input)
  }

  @Test func aSeedWithItsStartInfoRegisterPointingAwayIsRefused() {
    var input = GuestMemorySeeds.all[0].input
    input.startInfoRegister = 40
    guard case .refused(let why) = GuestMemoryCheck.run(input) else {
      Issue.record("a start_info outside the guest's frames was accepted")
      return
    }
    #expect(why.contains("not the guest's"))
  }

  @Test func everyByteStringDecodes() {
    #expect(GuestMemoryInput(bytes: []).writes.isEmpty)
    let oneWrite = GuestMemoryInput(bytes: [1] + [UInt8](repeating: 0xFF, count: 8 + 11 + 5))
    #expect(oneWrite.width == .bits32)
    #expect(oneWrite.startInfoRegister == 0xFFFF_FFFF)
    #expect(oneWrite.writes == [.init(frame: 16, wordIndex: 1023, value: 0xFFFF_FFFF)])
  }

  @Test func missingNodesReadAsNoPortAnAcknowledgementAndNoFeature() {
    let answers = XenStoreValueCheck.missingNodeAnswers
    #expect(answers.port == nil)
    #expect(answers.acknowledges)
    #expect(!answers.announces)
  }

  @Test func commandLinesSplitAtNULBytes() {
    #expect(CLIArgumentsCheck.arguments(Array("suspend\u{0}7".utf8)) == ["suspend", "7"])
    #expect(CLIArgumentsCheck.arguments([]) == [""])
  }

  @Test(arguments: SeedCorpus.targets)
  func theCommittedCorpusIsTheSeeds(target: String) throws {
    let folder = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appending(path: "Corpus/\(target)")
    let seeds = SeedCorpus.seeds(of: target)
    #expect(!seeds.isEmpty)
    if ProcessInfo.processInfo.environment["FUZZ_WRITE_SEEDS"] == "1" {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      for seed in seeds { try Data(seed.bytes).write(to: folder.appending(path: seed.name)) }
    }
    let committed = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    #expect(committed == seeds.map(\.name).sorted())
    for seed in seeds {
      #expect(try [UInt8](Data(contentsOf: folder.appending(path: seed.name))) == seed.bytes, "\(seed.name)")
    }
  }
}
