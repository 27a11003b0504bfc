import FuzzInputs

/// libFuzzer's entry point for `xenstore-values`: one input, checked; a broken promise traps (see `FuzzInputs`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXenStoreValues(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  XenStoreValueCheck.run(UnsafeBufferPointer(start: data, count: size))
  return 0
}
