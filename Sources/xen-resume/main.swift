// The executable is only this: everything it does lives in XenResumeCLI, whose `EntryPoint.run(_:console:)` runs
// the same command lines in-process for tests. `main()` writes to the standard streams, bootstraps logging, handles
// SIGINT and SIGTERM, and exits with the status.
import XenResumeCLI

await EntryPoint.main()
