import FuzzInputs

/// libFuzzer's entry point for `cli-arguments`: one input, checked; a broken promise traps (see `FuzzInputs`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCLIArguments(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  CLIArgumentsCheck.run(UnsafeBufferPointer(start: data, count: size))
  return 0
}
