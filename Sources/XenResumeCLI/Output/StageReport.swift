import SwiftXenResume

/// One stage of a suspend or resume as reports print it: `{"stage":"requestWritten","microseconds":12.3}`.
struct StageReport: Encodable, Sendable, Hashable {
  /// The stage's name (`StageTiming.Stage`'s raw value in JSON).
  var stage: StageTiming.Stage
  /// How long it took, in microseconds with the fraction kept, like every other JSON duration.
  var microseconds: Double

  /// The stages of an operation, in the order they happened.
  static func list(_ stages: [StageTiming]) -> [StageReport] {
    stages.map { StageReport(stage: $0.stage, microseconds: $0.duration.microseconds) }
  }

  /// `stages: planned 30 µs, request written 12 µs, acknowledged 80 µs, suspended 95 µs` for people.
  static func line(_ stages: [StageReport]) -> String {
    "stages: "
      + stages.map { "\($0.stage) \(Duration.humanReadable(microseconds: $0.microseconds))" }
      .joined(separator: ", ")
  }
}
