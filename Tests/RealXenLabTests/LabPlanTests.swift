import Foundation
import RealXenLab
import XCTest

/// The lab table the harness ships, and what a complete run of each lab must report.
final class LabPlanTests: XCTestCase {
  private func table() throws -> LabTable {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../RealXen/labs.json").standardized
    return try LabTable.decode(String(contentsOf: url, encoding: .utf8))
  }

  func testEveryLabOfTheShippedTableDecodesWithItsFourMainGuestsNamedByType() throws {
    let table = try table()
    XCTAssertEqual(table.labs.map(\.xen), ["4.17", "4.20"])
    for lab in table.labs {
      let main = lab.guests(.main)
      XCTAssertEqual(Set(main.map(\.name)), ["pv", "pvh", "pvhvm", "hvm"], lab.xen)
      XCTAssertTrue(main.allSatisfy { $0.name == $0.type.rawValue }, lab.xen)
      XCTAssertEqual(lab.guests(.throwaway).count, 1, lab.xen)
      for guest in lab.guests { XCTAssertNotNil(table.kernels[guest.kernel], "\(lab.xen) \(guest.name)") }
    }
    XCTAssertThrowsError(try table.lab(xen: "4.99"))
  }

  func testAKernelGuestRunsItsTypesGroupAndEndsWithTheSlowResumeOutcome() {
    let pv510 = LabGuest(name: "pv510", type: .pv, kernel: "5.10", role: .kernel)
    let group = LabPlan.group(for: pv510)
    XCTAssertEqual(group.first, .status)
    XCTAssertEqual(group.last, .slowOutcome)
    // Xen crashes a PV domain asked for a soft reset: a PV guest never gets one.
    XCTAssertFalse(group.contains(.slowSoftReset))
    XCTAssertTrue(group.contains(.uncooperative))
    XCTAssertEqual(LabPlan.afterSuite(for: pv510), [])
  }

  func testAPVHVMKernelGuestEndsWithItsRefusedCaptureThenTheSoftResetResumeThenTheSameDomainOne() {
    let guest = LabGuest(name: "pvhvm510", type: .pvhvm, kernel: "5.10", role: .kernel)
    XCTAssertEqual(LabPlan.group(for: guest).suffix(4), [.xsResume, .rewind, .slowSoftReset, .slowOutcome])
    XCTAssertEqual(LabPlan.oneGuestAtATime(for: guest), [])
    XCTAssertEqual(LabPlan.afterSuite(for: guest), [])
  }

  /// A PVH guest's rewind needs the lab's other PVH guest running and left alone, so both are rewound one at a time
  /// after the suite; the kernel PVH guest's slow resumes, which may kill it, wait for that.
  func testAPVHGuestIsRewoundAfterTheSuiteOneAtATimeThenGetsItsSlowResumes() {
    for role in [GuestRole.main, .kernel] {
      let guest = LabGuest(name: "pvh", type: .pvh, kernel: "5.10", role: role)
      XCTAssertEqual(LabPlan.group(for: guest).last, .xsResume, role.rawValue)
      XCTAssertEqual(LabPlan.oneGuestAtATime(for: guest), [.rewind], role.rawValue)
      XCTAssertEqual(LabPlan.afterSuite(for: guest), [.slowSoftReset, .slowOutcome], role.rawValue)
    }
    let channel = LabGuest(name: "pvhec", type: .pvh, kernel: "6.1", role: .eventChannel)
    XCTAssertEqual(LabPlan.oneGuestAtATime(for: channel), [])
  }

  /// Every PVH and PVHVM guest of the main and kernel roles is rewound (PVHVM: its capture refused), and each lab's
  /// two such PVH guests try their captures on each other.
  func testTheRewindRunsOnEveryPVHAndPVHVMGuestAndThePVHGuestsArePaired() throws {
    var placed: [String] = []
    for lab in try table().labs {
      let rows = Set(LabPlan.expected(lab: lab, guests: lab.guests))
      for guest in lab.guests where rows.contains(ResultKey("rewind", guest.name)) {
        let partner = LabPlan.rewindPartner(of: guest, in: lab)
        placed.append("\(lab.xen) \(guest.name)" + (partner.map { " <-> \($0.name)" } ?? ""))
      }
    }
    XCTAssertEqual(
      placed,
      [
        "4.17 pvhvm", "4.17 pvh <-> pvh612", "4.17 pvh612 <-> pvh", "4.20 pvhvm", "4.20 pvh <-> pvh510",
        "4.20 pvh510 <-> pvh", "4.20 pvhvm510",
      ])
  }

  /// Every PVH and PVHVM guest of every kernel the labs boot (but the event channel guest, whose group ends with its
  /// crash) gets the soft-reset resume just before the same-domain one; no other guest gets it.
  func testTheSoftResetResumeRunsOnEveryPVHAndPVHVMGuestOfBothLabs() throws {
    var placed: [String] = []
    for lab in try table().labs {
      let rows = Set(LabPlan.expected(lab: lab, guests: lab.guests))
      for guest in lab.guests {
        let runs = rows.contains(ResultKey("slow-soft-reset", guest.name))
        if runs { placed.append("\(lab.xen) \(guest.name) \(guest.kernel)") }
        let wanted = (guest.type == .pvh || guest.type == .pvhvm) && guest.role != .eventChannel
        XCTAssertEqual(runs, wanted, "\(lab.xen) \(guest.name)")
        if runs { XCTAssertTrue(rows.contains(ResultKey("slow-outcome", guest.name)), "\(lab.xen) \(guest.name)") }
      }
    }
    XCTAssertEqual(
      placed,
      [
        "4.17 pvhvm 6.1", "4.17 pvh 6.1", "4.17 pvh612 6.12", "4.20 pvhvm 6.12", "4.20 pvh 6.12", "4.20 pvh510 5.10",
        "4.20 pvhvm510 5.10",
      ])
  }

  func testTheMainPVHAndPVHVMGuestsGetTheirSlowResumesOnlyAfterTheSuiteTheSoftResetFirst() {
    for kind in [GuestKind.pvh, .pvhvm] {
      let guest = LabGuest(name: kind.rawValue, type: kind, kernel: "6.1", role: .main)
      XCTAssertFalse(LabPlan.group(for: guest).contains(.slowOutcome), kind.rawValue)
      XCTAssertFalse(LabPlan.group(for: guest).contains(.slowSoftReset), kind.rawValue)
    }
    XCTAssertEqual(
      LabPlan.afterSuite(for: LabGuest(name: "pvh", type: .pvh, kernel: "6.1", role: .main)),
      [.slowSoftReset, .slowOutcome])
    XCTAssertEqual(
      LabPlan.afterSuite(for: LabGuest(name: "pvhvm", type: .pvhvm, kernel: "6.1", role: .main)),
      [.rewind, .slowSoftReset, .slowOutcome])
    let pv = LabGuest(name: "pv", type: .pv, kernel: "6.1", role: .main)
    XCTAssertEqual(LabPlan.afterSuite(for: pv), [])
    // The forced suspend, which may leave a guest broken, is the last scenario of the PV group but for the summary.
    XCTAssertEqual(LabPlan.group(for: pv).suffix(2), [.uncooperative, .xsResume])
  }

  /// dom0 holds a group's first measurement until the first wave has booted; what comes before it runs beside the
  /// device-model guests' boots, so it must stay light.
  func testEveryGroupRunsOnlyStatusAndFastCyclesBeforeItsFirstMeasurement() throws {
    for lab in try table().labs {
      for guest in lab.guests where guest.role != .throwaway {
        let group = LabPlan.group(for: guest)
        let first = try XCTUnwrap(group.firstIndex(where: \.measuresPauses), "\(lab.xen) \(guest.name)")
        XCTAssertEqual(Array(group[..<first]), [.status, .fastCycles], "\(lab.xen) \(guest.name)")
      }
    }
  }

  func testAThrowawayGuestOnlyGivesTheSlowResumeOutcomeAndBringsTheGuestLessErrorPaths() throws {
    let lab = try table().lab(xen: "4.17")
    let throwaway = try XCTUnwrap(lab.guests(.throwaway).first)
    XCTAssertEqual(LabPlan.group(for: throwaway), [.slowOutcome])
    let rows = Set(LabPlan.expected(lab: lab, guests: [throwaway]))
    XCTAssertTrue(
      rows.isSuperset(of: [
        ResultKey("dom0-ready", "dom0"), ResultKey("boot", throwaway.name), ResultKey("slow-outcome", throwaway.name),
        ResultKey("error-unknown-domain", "none"), ResultKey("error-dom0", "dom0"),
      ]))
    XCTAssertFalse(rows.contains(ResultKey("status", throwaway.name)))
  }

  func testTheFullPlanHasEveryGuestsRowsOnceAndTheComparisonsReportTheirRows() throws {
    let lab = try table().lab(xen: "4.20")
    let rows = LabPlan.expected(lab: lab, guests: lab.guests)
    XCTAssertEqual(rows.count, Set(rows).count, "a row planned twice")
    for guest in lab.guests where guest.role != .throwaway {
      XCTAssertTrue(rows.contains(ResultKey("checkpoint", guest.name)), guest.name)
      // Each guest type's and path's pause is measured on its main or event channel guest; a guest there for
      // another kernel gets the block comparison.
      let measures = guest.role == .kernel ? ["compare"] : ["pause-compare", "rate"]
      let other = guest.role == .kernel ? ["pause-compare", "rate"] : ["compare"]
      for row in measures { XCTAssertTrue(rows.contains(ResultKey(row, guest.name)), "\(row) \(guest.name)") }
      for row in other { XCTAssertFalse(rows.contains(ResultKey(row, guest.name)), "\(row) \(guest.name)") }
    }
    XCTAssertTrue(rows.contains(ResultKey("device-model", "hvm")))
    XCTAssertTrue(rows.contains(ResultKey("slow-hvm", "hvm")))
    XCTAssertTrue(rows.contains(ResultKey("slow-outcome", "pvh510")))
  }
}
