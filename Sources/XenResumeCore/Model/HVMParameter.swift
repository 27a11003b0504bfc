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

  /// `HVM_PARAM_ACPI_S_STATE`: the guest's ACPI sleep state (0 when awake).
  public static let acpiSleepState = HVMParameter(rawValue: 14)
}

extension HVMParameter: CustomStringConvertible {
  /// The C name for known parameters, the index otherwise.
  public var description: String {
    switch self {
    case .callbackIRQ: "HVM_PARAM_CALLBACK_IRQ"
    case .acpiSleepState: "HVM_PARAM_ACPI_S_STATE"
    default: "HVM param \(rawValue)"
    }
  }
}
