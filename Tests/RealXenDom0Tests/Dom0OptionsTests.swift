import RealXenDom0
import XCTest

/// The driver's options as dom0's kernel command line gives them (run.sh's DOM0_EXTRA).
final class Dom0OptionsTests: XCTestCase {
  func testTheRxWordsOfTheCommandLineSetTheOptionsAndTheLastOfARepeatedOneWins() {
    let options = Dom0Options(
      commandLine: "console=hvc0 earlyprintk=xen rx.guests=pv,throw rx.blocks=2 rx.blocks=1 rx.pvhvm-blocks=3 "
        + "rx.pvhvm-block=4 rx.deadline=1380.5 rx.xenstored-lost=0\n")
    XCTAssertEqual(options.guests, ["pv", "throw"])
    XCTAssertEqual(options.blocks, 1)
    XCTAssertEqual(options.pvhvmBlocks, 3)
    XCTAssertEqual(options.pvhvmBlock, 4)
    XCTAssertEqual(options.deadline, 1380.5)
    XCTAssertFalse(options.xenstoredLost)
  }

  func testWithoutRxWordsEveryGuestRunsTheBriefMeasurementAndXenstoredIsKilledLast() {
    let options = Dom0Options(commandLine: "console=hvc0 rx.blocks=many")
    XCTAssertNil(options.guests)
    XCTAssertEqual(options.measurement, .brief)
    XCTAssertEqual(options.blocks, 5)
    XCTAssertEqual(options.pauseCycles, 30)
    XCTAssertEqual(options.pvhvmBlocks * options.pvhvmBlock, 10)
    XCTAssertTrue(options.xenstoredLost)
  }

  func testTheFullMeasurementIsTheSoundComparisonAndABudgetGivenAloneWinsWhereverItStands() {
    let full = Dom0Options(commandLine: "rx.pause-budget=90 rx.measure=full rx.measure=bogus")
    XCTAssertEqual(full.measurement, .full)
    XCTAssertEqual(full.pauseCycles, 200)
    XCTAssertEqual(full.rateBudget, 30)
    XCTAssertEqual(full.straceCycles, 10)
    XCTAssertEqual(full.pauseBudget, 90)
    XCTAssertEqual(Dom0Options(commandLine: "rx.measure=full rx.measure=brief").pauseCycles, 30)
  }
}
