/// A plain-text table with left-aligned columns separated by two spaces, the way `xl list` prints, so that it
/// reads in a terminal and splits with `awk`.
struct TextTable: Sendable {
  /// The column titles.
  var header: [String]
  /// The rows; each has as many cells as `header`.
  var rows: [[String]] = []

  /// A table with the given titles and no rows yet.
  init(_ header: [String]) {
    self.header = header
  }

  /// Adds a row.
  mutating func append(_ row: [String]) {
    rows.append(row)
  }

  /// The table as lines ending in a newline; the last column is not padded.
  var rendered: String {
    let all = [header] + rows
    var widths = [Int](repeating: 0, count: header.count)
    for row in all {
      for (index, cell) in row.enumerated() where index < widths.count {
        widths[index] = max(widths[index], cell.count)
      }
    }
    var text = ""
    for row in all {
      var line = ""
      for (index, cell) in row.enumerated() {
        if index == row.count - 1 {
          line += cell
        } else {
          line += cell + String(repeating: " ", count: widths[index] - cell.count + 2)
        }
      }
      text += line + "\n"
    }
    return text
  }
}
