import ArgumentParser
import SwiftXenResume

/// `--fast`, `--slow` or `--uncooperative`: at most one of them.
enum ResumeModeFlag: String, Sendable, EnumerableFlag {
  /// `ResumeMode.fast`.
  case fast
  /// `ResumeMode.slow`.
  case slow
  /// `ResumeMode.uncooperative`.
  case uncooperative

  /// The library's mode.
  var mode: ResumeMode {
    switch self {
    case .fast: .fast
    case .slow: .slow
    case .uncooperative: .uncooperative
    }
  }

  /// Help for each flag.
  static func help(for value: ResumeModeFlag) -> ArgumentHelp? {
    switch value {
    case .fast:
      "Suspend cancelled: the guest carries on with its state and connections (default)."
    case .slow:
      "Resumed as a new domain: PVH and PVHVM guests through a soft reset; PV guests also need --confirm-slow."
    case .uncooperative:
      "Only XEN_DOMCTL_resumedomain, registers untouched: for a domain stopped by xc_domain_shutdown."
    }
  }
}
