import XenResumeCore

/// Hands out domain ids like Xen's rover: the next id after the last one given, wrapping to 1 after the largest
/// guest id, skipping ids in use. Ids of destroyed domains are therefore not reused until the rover comes round.
struct DomainIDAllocator {
  private var last: UInt32 = 0

  /// The next free id; `nil` when every guest id is in use.
  mutating func allocate<Value>(avoiding inUse: [DomainID: Value]) -> DomainID? {
    var candidate = last
    for _ in 0..<DomainID.maximumGuestID.rawValue {
      candidate = candidate >= DomainID.maximumGuestID.rawValue ? 1 : candidate + 1
      if inUse[DomainID(candidate)] == nil {
        last = candidate
        return DomainID(candidate)
      }
    }
    return nil
  }
}
