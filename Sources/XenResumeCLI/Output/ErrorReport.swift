/// The JSON document every command prints on stdout when it fails under `--json`:
/// `{"error":{"kind":"…","message":"…"}}`.
struct ErrorReport: Encodable, Sendable {
  /// The error object.
  struct Body: Encodable, Sendable {
    /// One of `ErrorKind`'s names.
    var kind: ErrorKind
    /// The same line the command prints on stderr, without the `xen-resume: error: ` prefix (nor the `simulated: `
    /// that follows it in a simulated run).
    var message: String
  }

  /// The error object.
  var error: Body

  /// The report of a failure.
  init(_ failure: CommandFailure) {
    error = Body(kind: failure.kind, message: failure.message)
  }
}
