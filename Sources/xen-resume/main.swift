// The executable is only this: everything it does lives in XenResumeCLI, where tests can run it in-process.
import XenResumeCLI

await EntryPoint.main()
