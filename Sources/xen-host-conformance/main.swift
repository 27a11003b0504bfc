// xen-host-conformance: the conformance suite over the real backend, for dom0 and the real-Xen harness.
import Foundation
import SwiftXenResume
import XenHostConformance

let arguments: Arguments
do {
  arguments = try Arguments(CommandLine.arguments.dropFirst())
} catch {
  FileHandle.standardError.write(Data("xen-host-conformance: \(error.message)\n\n\(Arguments.usage)\n".utf8))
  exit(2)
}
if arguments.helpRequested {
  print(Arguments.usage)
  exit(0)
}

let host: LibxenHost
do {
  host = try LibxenHost()
} catch {
  FileHandle.standardError.write(Data("xen-host-conformance: cannot open the Xen libraries: \(error)\n".utf8))
  exit(1)
}

let encoder = JSONEncoder()
encoder.outputFormatting = [.withoutEscapingSlashes]

/// Writes one JSON object on its own line straight to the descriptor (no stdio buffer), so that a harness reading a
/// pipe sees each result as soon as it is known.
func emit(_ value: some Encodable) {
  // Encoding our own plain structs cannot fail.
  var line = try! encoder.encode(value)
  line.append(UInt8(ascii: "\n"))
  FileHandle.standardOutput.write(line)
}

let suite = ConformanceSuite(
  host: host, guests: arguments.guests, settings: arguments.settings, clock: ContinuousClock())
var results: [ConformanceResult] = []
await suite.run { result in
  emit(result)
  results.append(result)
}
let summary = ConformanceSummary(results)
emit(summary)
exit(summary.summary.failed == 0 ? 0 : 1)
