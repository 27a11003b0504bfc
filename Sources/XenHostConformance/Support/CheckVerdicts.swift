/// Thrown by a check whose rule the host broke; `detail` says what was seen instead.
struct CheckFailure: Error, CustomStringConvertible {
  let detail: String

  init(_ detail: String) {
    self.detail = detail
  }

  var description: String { detail }
}

/// Thrown by a check that cannot run on this host or guest; `reason` says why (e.g. no suspend event channel).
struct CheckSkip: Error, CustomStringConvertible {
  let reason: String

  init(_ reason: String) {
    self.reason = reason
  }

  var description: String { reason }
}
