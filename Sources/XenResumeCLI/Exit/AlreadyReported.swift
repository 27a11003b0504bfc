/// Ends a command with a non-zero status after it has printed its full report itself (the demo with a wrong
/// cell): the entry point then prints nothing more, so stdout stays one JSON document.
struct AlreadyReported: Error, Sendable {
  /// The status to exit with.
  var status: ExitStatus
}
