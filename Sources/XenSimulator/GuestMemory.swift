import SystemPackage
@_spi(XenHostBackends) import XenResumeCore

/// A simulated guest's memory as a toolstack sees it through foreign mappings: machine frames a PV domain owns, or
/// the frames of an HVM container's physical map (`GuestMemory+PhysicalMap.swift`).
///
/// Only what a resume needs is modelled, and only pages that differ from what the layout implies are stored, so a
/// domain costs a few hundred bytes however many of them a benchmark creates.
///
/// Layout (pseudo-physical frame numbers, PFNs): 0 start_info, 1 the p2m frame-list-list, 2 the frame list, 3… the
/// p2m pages, 16 the xenstore ring, 17 the console ring; `memoryPages` pages in all. The p2m maps PFN `p` to MFN
/// `base + (pages - 1 - p)`: reversed and offset per domain, so a PFN used as an MFN, or an MFN used as a PFN, is
/// never silently right. The shared_info page is a Xen page the domain owns outside its p2m, at `base + pages`.
///
/// With a linear p2m (`useLinearP2M()`, what Linux does when started with SIF_VIRT_P2M_4TOOLS) the frame-list-list
/// in shared_info is all ones, PFNs 1 and 2 are ordinary pages, and PFNs 8… hold one chain of page tables (four
/// levels for 64-bit, three for PAE) mapping the p2m pages at `linearP2MAddress`; shared_info's `p2m_cr3`,
/// `p2m_vaddr` and an even `p2m_generation` announce it. The walk uses a non-zero index at every level and sets
/// NX in the last entry, so a reader that indexes or masks wrongly reads an absent entry or a wrong frame.
/// `GuestMemoryDamage` changes what the guest itself holds, for tests of readers that must refuse it.
///
/// HVM containers have pages numbered the same way behind their physical map (gfns; a guest with a device model
/// has the VGA hole in it), where PFNs 0–15 hold the guest kernel's own pages, whose bytes are the guest's alone
/// (derived from its `identity`), 16 and 17 the rings, and a PV-aware kernel maps its shared_info page at gfn 19.
/// Every guest keeps its progress page at PFN 18: how many suspends it made and the stamp of the registers it
/// stopped with (`recordSuspend(stamp:)`), which is how a rewind of its memory shows.
struct GuestMemory {
  /// What a foreign write did to the guest, beyond storing bytes.
  enum WriteEffect: Equatable {
    /// Nothing the guest depends on changed.
    case harmless
    /// Bytes the guest depends on changed: the guest is corrupted, for this reason.
    case corrupted(String)
  }

  static let startInfoPFN: UInt64 = 0
  static let frameListListPFN: UInt64 = 1
  static let frameListPFN: UInt64 = 2
  static let firstP2MPFN: UInt64 = 3
  /// The first page-table page of the linear p2m (the root), the lower levels following it.
  static let firstPageTablePFN: UInt64 = 8
  static let storeRingPFN: UInt64 = 16
  static let consoleRingPFN: UInt64 = 17
  /// The guest's progress page: its suspend count at offset 0 and its register stamp at offset 8, little-endian.
  static let progressPFN: UInt64 = 18
  /// The pages an HVM container's kernel keeps its page tables and text in: what its code depends on.
  static let hvmKernelPFNs: Range<UInt64> = 0..<16
  /// Where a PV-aware kernel in an HVM container maps its shared_info page (`XENMAPSPACE_shared_info`): a frame of
  /// its own RAM, as Linux takes a page of its brk for it, which Xen's page then replaces in the physical map.
  static let hvmSharedInfoGFN: UInt64 = 19
  /// The event channel the xenstore ring uses, as start_info announces it.
  static let storeEventChannel: UInt64 = 1
  /// Machine frames are numbered from here upwards, a window of `framesPerDomain` frames per domain id.
  static let firstMachineFrame: UInt64 = 0x10_0000
  static let framesPerDomain: UInt64 = 0x200

  /// How the guest publishes its p2m.
  enum P2MLayout: Equatable {
    /// The frame-list-list, one frame list and the p2m pages, linked by machine frames.
    case threeLevel
    /// A virtually mapped array, found through page tables.
    case linear
  }

  /// Where the linear p2m starts in the guest's address space: canonical and clear of Xen's range, with a distinct
  /// non-zero index at every page-table level.
  static func linearP2MAddress(_ width: GuestWidth) -> UInt64 {
    width == .bits64 ? 0xFFFF_C9A5_4C86_3000 : 0xC1A4_3000
  }

  /// The count the guest publishes in `p2m_generation`: even, as after a finished update.
  static let p2mGeneration: UInt64 = 6

  let width: GuestWidth
  let pageCount: UInt64
  let machineFrameBase: UInt64
  /// Whether the pages hold PV structures (start_info, the p2m lists, the PV fields of shared_info). Without them
  /// the memory is an HVM container's, reached through its physical map.
  let hasPVStructures: Bool
  /// What makes the guest's own pages its own (the domain's incarnation): an HVM container's kernel pages are
  /// derived from it, so another guest's pages never match them.
  let identity: UInt64
  /// Whether the physical map has the VGA hole (an HVM container with a device model: HVM, PVHVM).
  let hasVGAHole: Bool
  /// Whether Xen's shared_info page is in an HVM container's physical map, at `hvmSharedInfoGFN`.
  private(set) var sharedInfoMapped = false
  /// The suspend count in the progress page.
  private(set) var progressCount: UInt64 = 0
  /// The register stamp in the progress page (`SimulatedVCPU.stamp(of:)` when the guest last suspended).
  private(set) var progressStamp: UInt64 = 0
  /// start_info's `store_mfn` as the guest left it (an MFN while it runs, a PFN while it is suspended).
  private(set) var startInfoStoreField: UInt64
  /// start_info's `console.domU.mfn`, likewise.
  private(set) var startInfoConsoleField: UInt64
  /// Pages written through foreign mappings that the layout does not describe, by MFN.
  private var writtenPages: [UInt64: [UInt8]] = [:]
  private(set) var p2mLayout = P2MLayout.threeLevel
  /// What `GuestMemoryDamage` changed in the guest's own structures.
  private var damagedMagic: String?
  private var damagedP2MEntries: [UInt64: UInt64] = [:]
  private var damagedGeneration: UInt64?
  private var damagedRoot: UInt64?
  private var damagedAddress: UInt64?
  private var damagedPageTableEntries: [Int: UInt64] = [:]
  private var damagedFrameListEntries: [Int: UInt64] = [:]

  init(
    domain: DomainID, identity: UInt64, width: GuestWidth, pageCount: Int, hasPVStructures: Bool,
    hasVGAHole: Bool = false
  ) {
    precondition(pageCount > Int(Self.hvmSharedInfoGFN) && pageCount <= GuestLayout.framesPerPage(.bits64))
    precondition(!(hasPVStructures && hasVGAHole), "a PV guest's memory has no physical map to hold a hole")
    self.width = width
    self.pageCount = UInt64(pageCount)
    self.machineFrameBase = Self.firstMachineFrame + UInt64(domain.rawValue) * Self.framesPerDomain
    self.hasPVStructures = hasPVStructures
    self.identity = identity
    self.hasVGAHole = hasVGAHole
    self.startInfoStoreField = 0
    self.startInfoConsoleField = 0
    startInfoStoreField = machineFrame(ofPFN: Self.storeRingPFN)
    startInfoConsoleField = machineFrame(ofPFN: Self.consoleRingPFN)
  }

  // MARK: Translation

  /// The MFN backing a PFN.
  func machineFrame(ofPFN pfn: UInt64) -> UInt64 {
    precondition(pfn < pageCount)
    return machineFrameBase + (pageCount - 1 - pfn)
  }

  /// The PFN an MFN backs, `nil` when it is not one of the guest's p2m frames.
  func pseudoPhysicalFrame(ofMFN mfn: UInt64) -> UInt64? {
    guard mfn >= machineFrameBase, mfn < machineFrameBase + pageCount else { return nil }
    return pageCount - 1 - (mfn - machineFrameBase)
  }

  /// The machine frame of the shared_info page (Xen's, shared with the guest, outside its p2m).
  var sharedInfoFrame: UInt64 { machineFrameBase + pageCount }

  /// The machine frame of start_info: what a PV guest passes in `rdx` to its suspend hypercall.
  var startInfoFrame: UInt64 { machineFrame(ofPFN: Self.startInfoPFN) }

  var storeRingFrame: UInt64 { machineFrame(ofPFN: Self.storeRingPFN) }
  var consoleRingFrame: UInt64 { machineFrame(ofPFN: Self.consoleRingPFN) }

  /// How many p2m pages the guest needs.
  var p2mPageCount: UInt64 {
    let perPage = UInt64(GuestLayout.framesPerPage(width))
    return (pageCount + perPage - 1) / perPage
  }

  /// Whether the domain owns a machine frame, so that a foreign mapping of it succeeds.
  func owns(_ mfn: UInt64) -> Bool {
    mfn >= machineFrameBase && mfn <= machineFrameBase + pageCount
  }

  /// The PFN of the page-table page of a level (`pageTableLevels` is the root) on the linear p2m's walk.
  func pageTablePFN(level: Int) -> UInt64 {
    Self.firstPageTablePFN + UInt64(GuestLayout.pageTableLevels(width) - level)
  }

  /// `p2m_cr3` for the root table: `mfn << 12` for 64-bit, Xen's extended format (frame bits 20 and up in the low
  /// twelve bits) for 32-bit guests, whose machine frames do not fit below 4 GiB.
  var linearP2MRoot: UInt64 {
    let root = machineFrame(ofPFN: pageTablePFN(level: GuestLayout.pageTableLevels(width)))
    switch width {
    case .bits64: return root << UInt64(GuestLayout.pageShift)
    case .bits32: return UInt64(UInt32(truncatingIfNeeded: (root << 12) | (root >> 20)))
    }
  }

  // MARK: The guest's own actions

  /// Lays the p2m out as a linear map, as a guest started with SIF_VIRT_P2M_4TOOLS does at boot.
  mutating func useLinearP2M() {
    precondition(hasPVStructures, "only PV guests publish a p2m")
    precondition(p2mPageCount <= 2, "the simulated page tables map at most two p2m pages")
    p2mLayout = .linear
  }

  /// Changes the guest's own structures, as a guest bug or a half-done update would, without corrupting it.
  mutating func apply(_ damage: GuestMemoryDamage) {
    switch damage {
    case .startInfoMagic(let magic): damagedMagic = magic
    case .p2mEntry(let pfn, let value): damagedP2MEntries[pfn] = value
    case .p2mGeneration(let generation): damagedGeneration = generation
    case .linearP2MRoot(let root): damagedRoot = root
    case .linearP2MAddress(let address): damagedAddress = address
    case .pageTableEntry(let level, let value):
      precondition(p2mLayout == .linear, "only a linear p2m has page tables")
      damagedPageTableEntries[level] = value
    case .frameListEntry(let index, let value):
      precondition(p2mLayout == .threeLevel, "only a three-level p2m has a frame list")
      precondition(index >= 0 && UInt64(index) < p2mPageCount, "the frame list has \(p2mPageCount) entries")
      damagedFrameListEntries[index] = value
    case .startInfoRingFields(let store, let console):
      startInfoStoreField = store
      startInfoConsoleField = console
    }
  }

  /// What `xen_pre_suspend` does: turn start_info's store and console frames into PFNs, so that a restore in
  /// another place can translate them through the new p2m.
  mutating func canonicaliseStartInfo() {
    startInfoStoreField = pseudoPhysicalFrame(ofMFN: startInfoStoreField) ?? startInfoStoreField
    startInfoConsoleField = pseudoPhysicalFrame(ofMFN: startInfoConsoleField) ?? startInfoConsoleField
  }

  /// What the guest does itself after a cancelled suspend: translate the PFNs back through its own p2m.
  /// Fails when a field no longer holds the PFN it left there.
  mutating func restoreStartInfoAfterCancelledSuspend() -> String? {
    if let problem = cancelledResumeProblem(
      field: "store_mfn", value: startInfoStoreField, expectedPFN: Self.storeRingPFN)
    {
      return problem
    }
    if let problem = cancelledResumeProblem(
      field: "console.domU.mfn", value: startInfoConsoleField, expectedPFN: Self.consoleRingPFN)
    {
      return problem
    }
    startInfoStoreField = storeRingFrame
    startInfoConsoleField = consoleRingFrame
    return nil
  }

  private func cancelledResumeProblem(field: String, value: UInt64, expectedPFN: UInt64) -> String? {
    if value == expectedPFN { return nil }
    if value == machineFrame(ofPFN: expectedPFN) {
      return "start_info \(field) was translated to an MFN before a cancelled resume; the guest translated it again"
    }
    return "start_info \(field) holds 0x\(String(value, radix: 16)) after a cancelled resume, not the PFN 0x"
      + "\(String(expectedPFN, radix: 16)) the guest left there"
  }

  /// What a guest woken as a new domain checks: start_info must name its store and console rings by MFN.
  func newDomainStartInfoProblem() -> String? {
    if let problem = newDomainProblem(field: "store_mfn", value: startInfoStoreField, pfn: Self.storeRingPFN) {
      return problem
    }
    return newDomainProblem(field: "console.domU.mfn", value: startInfoConsoleField, pfn: Self.consoleRingPFN)
  }

  private func newDomainProblem(field: String, value: UInt64, pfn: UInt64) -> String? {
    let expected = machineFrame(ofPFN: pfn)
    if value == expected { return nil }
    if value == pfn { return "start_info \(field) still holds a PFN after a non-cancelled resume" }
    return "start_info \(field) holds 0x\(String(value, radix: 16)) after a non-cancelled resume, not the MFN 0x"
      + "\(String(expected, radix: 16)) of its ring"
  }

  /// `XENMAPSPACE_shared_info` at `hvmSharedInfoGFN`, as a PV-aware kernel in an HVM container registers it at boot
  /// and when it wakes as a new domain: Xen's page replaces (and frees) the RAM page at that frame.
  mutating func mapSharedInfo() {
    precondition(!hasPVStructures, "a PV guest's shared_info page is outside its p2m")
    sharedInfoMapped = true
    writtenPages[hvmSharedInfoRAMFrame] = nil
  }

  /// `arch_domain_soft_reset`: the shared_info page leaves the physical map and a new RAM page takes its frame, so
  /// that the guest finds no hole there when it maps its shared_info again.
  mutating func replaceSharedInfoWithRAM() {
    guard sharedInfoMapped else { return }
    sharedInfoMapped = false
    writtenPages[hvmSharedInfoRAMFrame] = nil
  }

  /// The machine frame of the RAM page at `hvmSharedInfoGFN` (below any hole, so its PFN is its gfn).
  private var hvmSharedInfoRAMFrame: UInt64 { machineFrame(ofPFN: Self.hvmSharedInfoGFN) }

  /// What the guest does on its way into its suspend hypercall: counts the suspend in its progress page and notes
  /// there the stamp of the registers it stops with, which it checks when it returns from the hypercall.
  mutating func recordSuspend(stamp: UInt64) {
    progressCount &+= 1
    progressStamp = stamp
    let frame = machineFrame(ofPFN: Self.progressPFN)
    guard var written = writtenPages[frame] else { return }
    storeProgressFields(into: &written)
    writtenPages[frame] = written
  }

  // MARK: Foreign access

  /// The bytes of an owned page, as a foreign mapping would show them.
  func page(_ mfn: UInt64) -> [UInt8] {
    if let written = writtenPages[mfn] { return written }
    return layoutPage(mfn)
  }

  /// Applies a foreign write to an owned page and says whether it corrupted the guest.
  mutating func write(_ bytes: [UInt8], toFrame mfn: UInt64, offset: Int) -> WriteEffect {
    var newPage = page(mfn)
    newPage.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
    let pfn = pseudoPhysicalFrame(ofMFN: mfn)
    if pfn == Self.progressPFN {
      return writeProgressPage(newPage)
    }
    if hasPVStructures, pfn == Self.startInfoPFN {
      return writeStartInfo(newPage)
    }
    if let name = structureName(mfn: mfn, pfn: pfn) {
      // The guest's own bytes written back (a rewind of its own memory) leave it as it was.
      if newPage == layoutPage(mfn) {
        writtenPages[mfn] = nil
        return .harmless
      }
      writtenPages[mfn] = newPage
      return .corrupted("a foreign write changed the guest's \(name) (frame 0x\(String(mfn, radix: 16)))")
    }
    writtenPages[mfn] = newPage
    return .harmless
  }

  /// The progress page is the guest's data: a write changes the count and stamp it reads there (the guest judges
  /// them when it returns from its suspend hypercall), and whatever else it holds.
  private mutating func writeProgressPage(_ newPage: [UInt8]) -> WriteEffect {
    progressCount = newPage.withUnsafeBytes { GuestMemoryWord.load(from: $0, at: 0, width: .bits64) }
    progressStamp = newPage.withUnsafeBytes { GuestMemoryWord.load(from: $0, at: 8, width: .bits64) }
    let frame = machineFrame(ofPFN: Self.progressPFN)
    writtenPages[frame] = newPage == layoutPage(frame) ? nil : newPage
    return .harmless
  }

  /// start_info is kept as its two meaningful fields: a write may change them, and nothing else.
  private mutating func writeStartInfo(_ newPage: [UInt8]) -> WriteEffect {
    let storeOffset = GuestLayout.startInfoStoreFrameOffset(width)
    let consoleOffset = GuestLayout.startInfoConsoleFrameOffset(width)
    let newStore = newPage.withUnsafeBytes { GuestMemoryWord.load(from: $0, at: storeOffset, width: width) }
    let newConsole = newPage.withUnsafeBytes { GuestMemoryWord.load(from: $0, at: consoleOffset, width: width) }
    let expected = startInfoPage(store: newStore, console: newConsole)
    startInfoStoreField = newStore
    startInfoConsoleField = newConsole
    guard let changed = newPage.indices.first(where: { newPage[$0] != expected[$0] }) else { return .harmless }
    return .corrupted(
      "a foreign write changed start_info at offset \(changed), outside store_mfn and console.domU.mfn")
  }

  private func structureName(mfn: UInt64, pfn: UInt64?) -> String? {
    if mfn == sharedInfoFrame { return "shared_info page" }
    guard let pfn else { return nil }
    guard hasPVStructures else { return Self.hvmKernelPFNs.contains(pfn) ? "kernel (its page tables and text)" : nil }
    if pfn >= Self.firstP2MPFN, pfn < Self.firstP2MPFN + p2mPageCount { return "p2m" }
    switch p2mLayout {
    case .threeLevel:
      if pfn == Self.frameListListPFN { return "p2m frame-list-list" }
      if pfn == Self.frameListPFN { return "p2m frame list" }
    case .linear:
      let levels = GuestLayout.pageTableLevels(width)
      if let level = (1...levels).first(where: { pageTablePFN(level: $0) == pfn }) {
        return "linear p2m page table (level \(level))"
      }
    }
    return nil
  }

  // MARK: Layout pages

  private func layoutPage(_ mfn: UInt64) -> [UInt8] {
    if mfn == sharedInfoFrame { return hasPVStructures ? sharedInfoPage() : Self.zeroPage }
    guard let pfn = pseudoPhysicalFrame(ofMFN: mfn) else { return Self.zeroPage }
    if pfn == Self.progressPFN { return progressPage() }
    guard hasPVStructures else { return Self.hvmKernelPFNs.contains(pfn) ? kernelPage(pfn: pfn) : Self.zeroPage }
    if p2mLayout == .linear, let page = pageTablePage(pfn: pfn) { return page }
    switch pfn {
    case Self.startInfoPFN:
      return startInfoPage(store: startInfoStoreField, console: startInfoConsoleField)
    case Self.frameListListPFN where p2mLayout == .threeLevel:
      return framePage([machineFrame(ofPFN: Self.frameListPFN)])
    case Self.frameListPFN where p2mLayout == .threeLevel:
      return framePage(
        (0..<p2mPageCount).map { damagedFrameListEntries[Int($0)] ?? machineFrame(ofPFN: Self.firstP2MPFN + $0) })
    case Self.firstP2MPFN..<(Self.firstP2MPFN + p2mPageCount):
      return p2mPage(index: pfn - Self.firstP2MPFN)
    default:
      return Self.zeroPage
    }
  }

  private static let zeroPage = [UInt8](repeating: 0, count: GuestLayout.pageSize)

  /// The progress page as the guest keeps it: its suspend count and register stamp, nothing else.
  private func progressPage() -> [UInt8] {
    var page = Self.zeroPage
    storeProgressFields(into: &page)
    return page
  }

  private func storeProgressFields(into page: inout [UInt8]) {
    let fields = [progressCount, progressStamp]
    page.withUnsafeMutableBytes { buffer in
      for (index, value) in fields.enumerated() {
        GuestMemoryWord.store(value, into: buffer, at: 8 * index, width: .bits64)
      }
    }
  }

  /// One of an HVM container's kernel pages: words only this guest holds there.
  private func kernelPage(pfn: UInt64) -> [UInt8] {
    var page = Self.zeroPage
    let identity = identity
    page.withUnsafeMutableBytes { buffer in
      for index in 0..<(GuestLayout.pageSize / 8) {
        let word = SimulatedVCPU.scramble(identity << 24 | pfn << 12 | UInt64(index))
        GuestMemoryWord.store(word, into: buffer, at: 8 * index, width: .bits64)
      }
    }
    return page
  }

  private func framePage(_ frames: [UInt64]) -> [UInt8] {
    var page = Self.zeroPage
    let width = width
    page.withUnsafeMutableBytes { buffer in
      for (index, frame) in frames.enumerated() {
        GuestMemoryWord.store(frame, into: buffer, at: index * width.bytes, width: width)
      }
    }
    return page
  }

  /// One page of the p2m: the MFN of each PFN it covers, the invalid entry (all ones) past the last page.
  private func p2mPage(index: UInt64) -> [UInt8] {
    let perPage = UInt64(GuestLayout.framesPerPage(width))
    let first = index * perPage
    let invalid = width == .bits64 ? UInt64.max : UInt64(UInt32.max)
    let frames = (first..<(first + perPage)).map { pfn in
      damagedP2MEntries[pfn] ?? (pfn < pageCount ? machineFrame(ofPFN: pfn) : invalid)
    }
    return framePage(frames)
  }

  /// A page table on the linear p2m's walk, `nil` for other frames. Each level holds one entry (the last level
  /// one per p2m page), present and writable; the last also has NX set, as Linux maps its p2m.
  private func pageTablePage(pfn: UInt64) -> [UInt8]? {
    let levels = GuestLayout.pageTableLevels(width)
    guard let level = (1...levels).first(where: { pageTablePFN(level: $0) == pfn }) else { return nil }
    let shift = UInt64(GuestLayout.pageShift + 9 * (level - 1))
    let address = Self.linearP2MAddress(width)
    let firstIndex = Int((address >> shift) % UInt64(GuestLayout.pageTableEntriesPerPage))
    let flags: UInt64 = 0x67  // present, writable, user, accessed, dirty
    let noExecute: UInt64 = 1 << 63
    let targets: [UInt64] =
      level == 1
      ? (0..<p2mPageCount).map { Self.firstP2MPFN + $0 } : [pageTablePFN(level: level - 1)]
    var page = Self.zeroPage
    page.withUnsafeMutableBytes { buffer in
      for (offset, target) in targets.enumerated() {
        var entry = machineFrame(ofPFN: target) << UInt64(GuestLayout.pageShift) | flags
        if level == 1 { entry |= noExecute }
        if offset == 0, let damaged = damagedPageTableEntries[level] { entry = damaged }
        GuestMemoryWord.store(
          entry, into: buffer, at: (firstIndex + offset) * GuestLayout.pageTableEntrySize, width: .bits64)
      }
    }
    return page
  }

  /// start_info in the guest's width: magic, nr_pages, shared_info's machine address, the store and console fields.
  private func startInfoPage(store: UInt64, console: UInt64) -> [UInt8] {
    var page = Self.zeroPage
    let width = width
    let magic = Array((damagedMagic ?? GuestLayout.startInfoMagic(width)).utf8.prefix(GuestLayout.startInfoMagicSize))
    let sharedInfoAddress = sharedInfoFrame << UInt64(GuestLayout.pageShift)
    let storeOffset = GuestLayout.startInfoStoreFrameOffset(width)
    let pageCount = pageCount
    page.withUnsafeMutableBytes { buffer in
      for (index, byte) in magic.enumerated() { buffer[index] = byte }
      GuestMemoryWord.store(pageCount, into: buffer, at: 32, width: width)
      GuestMemoryWord.store(sharedInfoAddress, into: buffer, at: 32 + width.bytes, width: width)
      GuestMemoryWord.store(store, into: buffer, at: storeOffset, width: width)
      // store_evtchn is a uint32_t right after store_mfn in both layouts.
      buffer.storeBytes(
        of: UInt32(Self.storeEventChannel).littleEndian, toByteOffset: storeOffset + width.bytes, as: UInt32.self)
      GuestMemoryWord.store(console, into: buffer, at: GuestLayout.startInfoConsoleFrameOffset(width), width: width)
    }
    return page
  }

  /// shared_info with the PV fields a toolstack reads: `arch.max_pfn`, the p2m frame-list-list and, for a linear
  /// p2m, `p2m_cr3`, `p2m_vaddr` and `p2m_generation` (all ones in the frame-list-list then, as Linux writes).
  private func sharedInfoPage() -> [UInt8] {
    var page = Self.zeroPage
    let width = width
    var fields: [(Int, UInt64)] = [(GuestLayout.sharedInfoMaxPFNOffset(width), pageCount)]
    switch p2mLayout {
    case .threeLevel:
      fields.append((GuestLayout.sharedInfoFrameListListOffset(width), machineFrame(ofPFN: Self.frameListListPFN)))
    case .linear:
      fields += [
        (GuestLayout.sharedInfoFrameListListOffset(width), UInt64.max),
        (GuestLayout.sharedInfoP2MRootOffset(width), damagedRoot ?? linearP2MRoot),
        (GuestLayout.sharedInfoP2MVirtualAddressOffset(width), damagedAddress ?? Self.linearP2MAddress(width)),
      ]
    }
    if p2mLayout == .linear || damagedGeneration != nil {
      fields.append((GuestLayout.sharedInfoP2MGenerationOffset(width), damagedGeneration ?? Self.p2mGeneration))
    }
    page.withUnsafeMutableBytes { buffer in
      for (offset, value) in fields { GuestMemoryWord.store(value, into: buffer, at: offset, width: width) }
    }
    return page
  }
}

/// A change to a simulated guest's own structures that leaves it healthy but makes them wrong for a toolstack:
/// what a resume must detect and refuse before writing anything. Applied with `SimulatedXenHost.damageGuestMemory`.
enum GuestMemoryDamage: Equatable, Sendable {
  /// start_info's magic becomes this string (truncated to the field's 32 bytes).
  case startInfoMagic(String)
  /// The p2m entry of a PFN holds this value (the guest's width; all ones is INVALID_P2M_ENTRY).
  case p2mEntry(pfn: UInt64, value: UInt64)
  /// shared_info's `p2m_generation` holds this value.
  case p2mGeneration(UInt64)
  /// shared_info's `p2m_cr3` holds this value (0: the guest announces no linear p2m).
  case linearP2MRoot(UInt64)
  /// shared_info's `p2m_vaddr` holds this value.
  case linearP2MAddress(UInt64)
  /// The linear p2m walk's page-table entry at this level (the first p2m page's at level 1) holds this value.
  case pageTableEntry(level: Int, value: UInt64)
  /// The three-level p2m's frame list holds this value at this index (a p2m page's machine frame there).
  case frameListEntry(index: Int, value: UInt64)
  /// start_info's `store_mfn` and `console.domU.mfn` hold these values.
  case startInfoRingFields(store: UInt64, console: UInt64)
}
