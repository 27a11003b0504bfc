import ArgumentParser
import SwiftXenResume
import XenSimulator

/// One guest that `--simulate` starts, by the token that names it.
enum SimulatedGuestToken: String, Sendable, CaseIterable {
  /// 64-bit PV guest, xenstore control node (`pv` is the same guest).
  case pv64
  /// 32-bit PV guest.
  case pv32
  /// 64-bit PV guest with a suspend event channel.
  case pvEventChannel = "pv-evtchn"
  /// PVHVM guest without a suspend event channel.
  case pvhvm
  /// PVHVM guest with a suspend event channel.
  case pvhvmEventChannel = "pvhvm-evtchn"
  /// HVM guest without PV drivers.
  case hvm
  /// PVH guest (control node, `feature-suspend`).
  case pvh
  /// 64-bit PV guest that never acknowledges a suspend request.
  case stuck
  /// 64-bit PV guest running Linux, which panics after a same-domain slow resume.
  case linuxPV = "linux-pv"
  /// PVHVM guest running Linux.
  case linuxPVHVM = "linux-pvhvm"
  /// PVH guest running Linux.
  case linuxPVH = "linux-pvh"

  /// The guests started when `--simulate` is not given.
  static let defaults: [SimulatedGuestToken] = [.pv64, .pv32, .pvhvm, .pvhvmEventChannel, .hvm, .pvh]

  /// Aliases accepted besides the tokens' own names.
  static let aliases: [String: SimulatedGuestToken] = ["pv": .pv64]

  /// The tokens as help lists them.
  static var helpList: String {
    (["pv (=pv64)"] + allCases.map(\.rawValue)).joined(separator: ", ")
  }

  /// The default list as `--simulate` would spell it.
  static var defaultList: String {
    defaults.map(\.rawValue).joined(separator: ",")
  }

  /// Parses a comma-separated list such as `pv,pvhvm,hvm`; empty tokens and unknown names are refused.
  static func parseList(_ text: String) throws(ValidationError) -> [SimulatedGuestToken] {
    var tokens: [SimulatedGuestToken] = []
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
      let name = String(part.trimmingWhitespace).lowercased()
      guard let token = SimulatedGuestToken(rawValue: name) ?? aliases[name] else {
        throw ValidationError(
          "unknown simulated guest '\(part)'; use a comma-separated list of: \(helpList)")
      }
      tokens.append(token)
    }
    return tokens
  }

  /// The simulator's description of the guest.
  var guest: SimulatedGuest {
    switch self {
    case .pv64:
      .pv(width: .bits64, vcpus: 2, suspendEventChannel: false, behaviour: .cooperative, kernel: .generic)
    case .pv32:
      .pv(width: .bits32, vcpus: 2, suspendEventChannel: false, behaviour: .cooperative, kernel: .generic)
    case .pvEventChannel:
      .pv(width: .bits64, vcpus: 2, suspendEventChannel: true, behaviour: .cooperative, kernel: .generic)
    case .pvhvm:
      .pvhvm(vcpus: 2, suspendEventChannel: false, behaviour: .cooperative, kernel: .generic)
    case .pvhvmEventChannel:
      .pvhvm(vcpus: 2, suspendEventChannel: true, behaviour: .cooperative, kernel: .generic)
    case .hvm:
      .hvm(vcpus: 2)
    case .pvh:
      .pvh(vcpus: 2, suspendEventChannel: false, behaviour: .cooperative, kernel: .generic)
    case .stuck:
      .pv(width: .bits64, vcpus: 1, suspendEventChannel: false, behaviour: .ignoresSuspendRequest, kernel: .generic)
    case .linuxPV:
      .pv(width: .bits64, vcpus: 2, suspendEventChannel: false, behaviour: .cooperative, kernel: .linux)
    case .linuxPVHVM:
      .pvhvm(vcpus: 2, suspendEventChannel: true, behaviour: .cooperative, kernel: .linux)
    case .linuxPVH:
      .pvh(vcpus: 2, suspendEventChannel: false, behaviour: .cooperative, kernel: .linux)
    }
  }
}
