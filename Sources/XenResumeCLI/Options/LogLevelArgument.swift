import ArgumentParser
import Logging

/// `--log-level`: swift-log's levels by their names.
enum LogLevelArgument: String, Sendable, CaseIterable, ExpressibleByArgument {
  /// `Logger.Level.trace`.
  case trace
  /// `Logger.Level.debug`.
  case debug
  /// `Logger.Level.info`.
  case info
  /// `Logger.Level.notice`.
  case notice
  /// `Logger.Level.warning`.
  case warning
  /// `Logger.Level.error`.
  case error
  /// `Logger.Level.critical`.
  case critical

  /// The swift-log level.
  var level: Logger.Level {
    switch self {
    case .trace: .trace
    case .debug: .debug
    case .info: .info
    case .notice: .notice
    case .warning: .warning
    case .error: .error
    case .critical: .critical
    }
  }
}
