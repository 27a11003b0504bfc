import FuzzInputs

#if canImport(Glibc)
  import Glibc
#endif

/// With `FUZZ_PRINT_OUTCOMES` set, every input's outcome goes to stderr, so that running the binary over a corpus
/// (`guest-memory corpus/*`) shows which refusals the corpus reaches.
private let printsOutcomes = getenv("FUZZ_PRINT_OUTCOMES") != nil

/// libFuzzer's entry point for `guest-memory`: one input, checked; a broken promise traps (see `FuzzInputs`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGuestMemory(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let outcome = GuestMemoryCheck.run(GuestMemoryInput(bytes: UnsafeBufferPointer(start: data, count: size)))
  if printsOutcomes {
    var line = "outcome: \(outcome)\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
  }
  return 0
}
