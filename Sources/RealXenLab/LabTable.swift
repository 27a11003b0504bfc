#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// `Tests/RealXen/labs.json`: every real-Xen lab (one per Xen release), the Debian suites and the guest kernels. Adding a
/// release or a guest kernel is one entry there; dom0's driver and the report read it through these types.
public struct LabTable: Decodable, Sendable {
  /// A Debian suite the labs take packages from.
  public struct Suite: Decodable, Sendable {
    /// Debian's release number (11, 12, 13).
    public var debian: Int
  }

  /// A guest kernel and the suite it comes from.
  public struct Kernel: Decodable, Sendable {
    /// The Debian suite whose `linux-image-amd64` it is.
    public var suite: String
  }

  /// The suites, by codename.
  public var suites: [String: Suite]
  /// The guest kernels, by version ("5.10", "6.1", "6.12").
  public var kernels: [String: Kernel]
  /// The labs, in the order they run.
  public var labs: [Lab]

  /// The lab of Xen `release`.
  public func lab(xen release: String) throws(LabTableError) -> Lab {
    guard let lab = labs.first(where: { $0.xen == release }) else {
      throw LabTableError(message: "no lab for Xen \(release) in labs.json (have \(labs.map(\.xen)))")
    }
    return lab
  }

  /// The table in `text` (labs.json's contents).
  public static func decode(_ text: String) throws(LabTableError) -> LabTable {
    do {
      return try JSONDecoder().decode(LabTable.self, from: Data(text.utf8))
    } catch {
      throw LabTableError(message: "labs.json: \(error)")
    }
  }
}

/// labs.json could not be read or names no such lab.
public struct LabTableError: Error, CustomStringConvertible {
  /// What is wrong.
  public var message: String
  /// The message.
  public var description: String { message }
}

/// One Xen release's lab: its Debian suite, dom0 kernel and guests.
public struct Lab: Decodable, Sendable {
  /// The Xen release ("4.17", "4.20").
  public var xen: String
  /// The Debian suite the hypervisor, tools, dom0 kernel, QEMU and firmware come from.
  public var suite: String
  /// dom0's kernel (and the main guests').
  public var kernel: String
  /// Whether the lab runs the lifecycle scenarios (absent: yes).
  public var lifecycle: Bool?
  /// The Xen CPU the HVM-family guests are pinned to, if any.
  public var hvmGuestsOnCPU: Int?
  /// Whether the second wave of guests and the first wave's pause measurements wait until every first-wave guest,
  /// device-model guests included, has booted (absent: no; see `holdsForDeviceModelBoots`).
  public var secondWaveAfterDeviceModels: Bool?
  /// The guests, in the order they are created.
  public var guests: [LabGuest]

  /// Whether the lab runs the lifecycle scenarios.
  public var runsLifecycle: Bool { lifecycle ?? true }

  /// Whether the second wave and the first wave's pause measurements wait for the first wave's device-model boots.
  /// Otherwise second-wave PV and PVH guests start once the first wave's PV and PVH guests have booted, and the
  /// measurements start at once.
  public var holdsForDeviceModelBoots: Bool { secondWaveAfterDeviceModels ?? false }

  /// The guest named `name`.
  public func guest(_ name: String) -> LabGuest? { guests.first { $0.name == name } }

  /// The guests of `role`, in table order.
  public func guests(_ role: GuestRole) -> [LabGuest] { guests.filter { $0.role == role } }
}

/// A guest of a lab.
public struct LabGuest: Codable, Sendable, Hashable {
  /// Its name ([a-z0-9]+; the domain is `rx-NAME`). The main guests are named by their type.
  public var name: String
  /// Its guest type.
  public var type: GuestKind
  /// Its Linux kernel ("5.10", "6.1", "6.12").
  public var kernel: String
  /// What the lab uses it for.
  public var role: GuestRole

  /// A guest.
  public init(name: String, type: GuestKind, kernel: String, role: GuestRole) {
    self.name = name
    self.type = type
    self.kernel = kernel
    self.role = role
  }

  /// Xen's domain name for it.
  public var domainName: String { "rx-" + name }

  /// Whether its `/init` loads the suspend event channel module (`Tests/RealXen/guest/module`), so it advertises a
  /// suspend event channel as XenLinux did: the event channel guests do.
  public var advertisesSuspendEventChannel: Bool { role == .eventChannel }

  /// The suspend path xen-resume must choose for it: the event channel where it advertises one, else its type's.
  public var expectedSuspendPath: String {
    advertisesSuspendEventChannel ? "eventChannel" : type.expectedSuspendPath
  }

  /// Whether dom0 creates it once the first wave has booted: the guests there for another kernel and the event
  /// channel guests (so that the emulated CPUs boot the main guests first, and never two device models at once).
  public var bootsInSecondWave: Bool { role == .kernel || role == .eventChannel }

  /// The C reference client's `--path` for the same suspends.
  public var cClientPath: String {
    advertisesSuspendEventChannel ? "evtchn" : type.isPVAware ? "xenstore" : "shutdown"
  }
}

/// What a lab uses a guest for.
public enum GuestRole: String, Codable, Sendable {
  /// Every scenario, the lifecycle scenarios and the conformance suite; PVH and PVHVM end with the rewind (PVHVM: a
  /// refused capture) and the slow resumes (the soft-reset one, then the same-domain one).
  case main
  /// Its type's scenario group at another kernel, ending with the slow resumes (the soft-reset one only for PVH and
  /// PVHVM, after the rewind; a PVH guest's rewind and slow resumes come after the conformance suite, as the main
  /// guests' do).
  case kernel
  /// Only the slow-resume outcome, and the error paths that need no guest.
  case throwaway
  /// A PV-aware guest that loads the suspend event channel module: its type's cycles and the comparisons through
  /// the event channel, and the event channel scenarios.
  case eventChannel = "eventchannel"
}

/// The guest types the labs boot, named as xen-resume's JSON names them.
public enum GuestKind: String, Codable, Sendable, CaseIterable {
  /// Paravirtualised.
  case pv
  /// PVH: an HVM container without emulated devices.
  case pvh
  /// HVM with PV drivers.
  case pvhvm
  /// HVM without PV drivers.
  case hvm

  /// HVM with a device model (QEMU): its console is the emulated serial port.
  public var hasDeviceModel: Bool { self == .pvhvm || self == .hvm }

  /// A guest that answers xenstore's `control/shutdown` (every type but pure HVM).
  public var isPVAware: Bool { self != .hvm }

  /// The suspend path xen-resume must choose for an upstream Linux guest of this type (none advertises a suspend
  /// event channel).
  public var expectedSuspendPath: String { self == .hvm ? "hypervisorShutdown" : "xenstoreControl" }
}
