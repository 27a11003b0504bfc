// xen-resume-lifecycle: the lifecycle scenarios over the real backend, for dom0 and the real-Xen harness.
import Glibc
import SwiftXenResume
import Synchronization
import XenResumeLifecycle

/// Writes text to a descriptor in one call per line (no stdio buffer), so a harness reading the output sees each
/// result as soon as it is known and concurrent guests' lines never interleave.
func emit(_ text: String, to descriptor: Int32 = 1) {
  var line = text
  line += "\n"
  line.withUTF8 { bytes in
    var offset = 0
    while offset < bytes.count {
      let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
      if written < 0 && errno == EINTR { continue }
      guard written > 0 else { return }
      offset += written
    }
  }
}

let arguments: Arguments
do {
  arguments = try Arguments(CommandLine.arguments.dropFirst())
} catch {
  emit("xen-resume-lifecycle: \(error.message)\n\n\(Arguments.usage)", to: 2)
  exit(2)
}
if arguments.helpRequested {
  emit(Arguments.usage)
  exit(0)
}
if arguments.guests.isEmpty {
  emit("xen-resume-lifecycle: no --guest given\n\n\(Arguments.usage)", to: 2)
  exit(2)
}

// Two connections to Xen: the controller's, and the other toolstack's for its raw calls.
let controllerHost: LibxenHost
let otherHost: LibxenHost
do {
  controllerHost = try LibxenHost()
  otherHost = try LibxenHost()
} catch {
  emit("xen-resume-lifecycle: cannot open the Xen libraries: \(error)", to: 2)
  exit(1)
}

let run = LifecycleRun(
  controller: SuspendController(host: controllerHost), controllerHost: controllerHost,
  other: DomZeroToolstack(
    libxen: otherHost, consoleLogs: arguments.consoleLogs, imageDirectory: arguments.imageDirectory,
    xenstoredPidFile: arguments.xenstoredPidFile),
  guests: arguments.guests, settings: arguments.settings)
let results = Mutex<[LifecycleResult]>([])
await run.run { result in
  results.withLock { results in
    emit(result.json.text)
    results.append(result)
  }
}
let summary = LifecycleSummary(results.withLock { $0 })
emit(summary.json.text)
exit(summary.failed == 0 ? 0 : 1)
