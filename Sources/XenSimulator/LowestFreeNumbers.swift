/// Hands out the lowest free number from a starting point, as Xen hands out event channel ports.
struct LowestFreeNumbers {
  private let first: UInt32
  private var next: UInt32
  /// Numbers below `next` that were freed, as a binary min-heap.
  private var freed: [UInt32] = []

  init(startingAt first: UInt32) {
    self.first = first
    self.next = first
  }

  mutating func allocate() -> UInt32 {
    guard let lowest = freed.first else {
      defer { next += 1 }
      return next
    }
    let last = freed.removeLast()
    if !freed.isEmpty {
      freed[0] = last
      siftDown(from: 0)
    }
    return lowest
  }

  /// Takes a chosen number, which must be free: the numbers skipped below it stay free for `allocate()`.
  mutating func take(_ number: UInt32) {
    precondition(number >= first, "number \(number) is below \(first)")
    if number >= next {
      let skipped = next..<number
      next = number + 1
      for free in skipped { self.free(free) }
      return
    }
    guard let index = freed.firstIndex(of: number) else { preconditionFailure("number \(number) is in use") }
    let last = freed.removeLast()
    guard index < freed.count else { return }
    freed[index] = last
    siftDown(from: index)
    siftUp(from: index)
  }

  mutating func free(_ number: UInt32) {
    precondition(number >= first && number < next, "number \(number) was never handed out")
    freed.append(number)
    siftUp(from: freed.count - 1)
  }

  private mutating func siftUp(from index: Int) {
    var child = index
    while child > 0 {
      let parent = (child - 1) / 2
      guard freed[child] < freed[parent] else { return }
      freed.swapAt(child, parent)
      child = parent
    }
  }

  private mutating func siftDown(from index: Int) {
    var parent = index
    while true {
      let left = 2 * parent + 1
      let right = left + 1
      var smallest = parent
      if left < freed.count, freed[left] < freed[smallest] { smallest = left }
      if right < freed.count, freed[right] < freed[smallest] { smallest = right }
      guard smallest != parent else { return }
      freed.swapAt(parent, smallest)
      parent = smallest
    }
  }
}
