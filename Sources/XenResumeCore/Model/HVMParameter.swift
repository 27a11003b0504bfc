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
    default: "HVM param \(rawValue)"
    }
  }
}
