/// An HVM parameter index (`HVM_PARAM_*` in `xen/hvm/params.h`).
public struct HVMParameter: RawRepresentable, Hashable, Sendable {
  /// The parameter's index.
  public var rawValue: UInt32

  /// Wraps a parameter index.
  public init(rawValue: UInt32) {
    self.rawValue = rawValue
  }

  /// `HVM_PARAM_CALLBACK_IRQ`: non-zero once the guest's PV drivers set up event delivery.
  public static let callbackIRQ = HVMParameter(rawValue: 0)

  /// `HVM_PARAM_STORE_PFN`: the guest frame of the xenstore ring the domain builder gave the guest.
  public static let storeFrame = HVMParameter(rawValue: 1)

  /// `HVM_PARAM_STORE_EVTCHN`: the guest's port for xenstore, which the guest binds when it (re)connects.
  public static let storeEventChannel = HVMParameter(rawValue: 2)

  /// `HVM_PARAM_ACPI_S_STATE`: the guest's ACPI sleep state (0 when awake).
  public static let acpiSleepState = HVMParameter(rawValue: 14)

  /// `HVM_PARAM_CONSOLE_PFN`: the guest frame of the PV console ring (0 when the guest has none).
  public static let consoleFrame = HVMParameter(rawValue: 17)

  /// `HVM_PARAM_CONSOLE_EVTCHN`: the guest's port for the PV console.
  public static let consoleEventChannel = HVMParameter(rawValue: 18)

  /// `HVM_PARAM_IOREQ_PFN`: the device model's synchronous I/O request page (0 without one).
  public static let ioRequestFrame = HVMParameter(rawValue: 5)

  /// `HVM_PARAM_BUFIOREQ_PFN`: the device model's buffered I/O request page (0 without one).
  public static let bufferedIORequestFrame = HVMParameter(rawValue: 6)

  /// `HVM_PARAM_IDENT_PT`: the identity-map page table Xen uses for a guest in real mode on Intel (0 without one).
  public static let identityPageTable = HVMParameter(rawValue: 12)

  /// `HVM_PARAM_PAGING_RING_PFN`: the memory-paging ring (0 without one).
  public static let pagingRingFrame = HVMParameter(rawValue: 27)

  /// `HVM_PARAM_MONITOR_RING_PFN`: the VM-event monitor ring (0 without one).
  public static let monitorRingFrame = HVMParameter(rawValue: 28)

  /// `HVM_PARAM_SHARING_RING_PFN`: the memory-sharing ring (0 without one).
  public static let sharingRingFrame = HVMParameter(rawValue: 29)

  /// The parameters that name pages Xen or the toolstack owns inside the guest's physical map (rings shared with
  /// dom0 and Xen's own tables): their contents belong to the other side, so a capture leaves them out and a rewind
  /// never writes them.
  public static let specialPages: [HVMParameter] = [
    .storeFrame, .consoleFrame, .ioRequestFrame, .bufferedIORequestFrame, .identityPageTable, .pagingRingFrame,
    .monitorRingFrame, .sharingRingFrame,
  ]
}

extension HVMParameter: CustomStringConvertible {
  /// The C name for known parameters, the index otherwise.
  public var description: String {
    switch self {
    case .callbackIRQ: "HVM_PARAM_CALLBACK_IRQ"
    case .storeFrame: "HVM_PARAM_STORE_PFN"
    case .storeEventChannel: "HVM_PARAM_STORE_EVTCHN"
    case .acpiSleepState: "HVM_PARAM_ACPI_S_STATE"
    case .consoleFrame: "HVM_PARAM_CONSOLE_PFN"
    case .consoleEventChannel: "HVM_PARAM_CONSOLE_EVTCHN"
    case .ioRequestFrame: "HVM_PARAM_IOREQ_PFN"
    case .bufferedIORequestFrame: "HVM_PARAM_BUFIOREQ_PFN"
    case .identityPageTable: "HVM_PARAM_IDENT_PT"
    case .pagingRingFrame: "HVM_PARAM_PAGING_RING_PFN"
    case .monitorRingFrame: "HVM_PARAM_MONITOR_RING_PFN"
    case .sharingRingFrame: "HVM_PARAM_SHARING_RING_PFN"
    default: "HVM param \(rawValue)"
    }
  }
}
