import Logging

/// The logger the commands hand the library, so that its log messages reach the run's stderr from `--log-level` up.
///
/// `LoggingSystem.bootstrap` may happen only once per process, so only the real process (`EntryPoint.main()`)
/// bootstraps it, with swift-log's `StreamLogHandler` on stderr. An in-process run (`EntryPoint.run(_:console:)`)
/// leaves the logging system alone and gives each logger its own handler instead: the same `StreamLogHandler`
/// format, written to the run's console at the run's level.
enum CommandLogging {
  /// The label of every logger the commands make.
  static let label = "xen-resume"

  /// The `--log-level` of the in-process run this task belongs to; `nil` in the real process, whose loggers come
  /// from the bootstrapped logging system.
  @TaskLocal static var inProcessLevel: Logger.Level?

  /// A logger for the running command.
  static func logger() -> Logger {
    guard let level = inProcessLevel else { return Logger(label: label) }
    let stream = Console.standardErrorStream
    return Logger(label: label) { label in
      var handler = StreamLogHandler(label: label, stream: stream)
      handler.logLevel = level
      return handler
    }
  }
}
