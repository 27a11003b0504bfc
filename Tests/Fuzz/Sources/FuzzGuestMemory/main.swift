import FuzzInputs

/// libFuzzer's entry point for `guest-memory`: one input, checked; a broken promise traps (see `FuzzInputs`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGuestMemory(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  _ = GuestMemoryCheck.run(GuestMemoryInput(bytes: UnsafeBufferPointer(start: data, count: size)))
  return 0
}
