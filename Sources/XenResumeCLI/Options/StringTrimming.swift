extension StringProtocol where SubSequence == Substring {
  /// The string without leading and trailing whitespace, so that `" 7"` or a pasted `"250ms\n"` parse as meant.
  var trimmingWhitespace: Substring {
    let start = firstIndex { !$0.isWhitespace } ?? endIndex
    let end = lastIndex { !$0.isWhitespace }.map(index(after:)) ?? start
    return self[start..<end]
  }
}
