/// A sequence of soak steps over a fresh simulated host with two controllers: run it to see whether the library
/// keeps its promises through it, print it (`swiftTest`) to keep it as a regression test.
public struct SoakSequence: Sendable, Hashable {
  /// The steps, in order.
  public var steps: [SoakStep]

  /// A sequence.
  public init(_ steps: [SoakStep]) {
    self.steps = steps
  }

  /// Runs the steps on a new host, checking every promise after each step and, at the end, that dropping the
  /// controllers gives back everything they held; the first violation seen, or `nil`.
  public func run() async -> SoakViolation? {
    let world = SoakWorld()
    for (index, step) in steps.enumerated() {
      if let violation = await world.run(step, index: index).first { return violation }
    }
    return await world.checkReleased(index: steps.count).first
  }

  /// The sequence as a swift-testing test that fails while the violation is there.
  public func swiftTest(name: String, violation: SoakViolation) -> String {
    var lines = [
      "/// Found by the soak: \(violation)",
      "@Test func \(name)() async {",
      "  let violation = await SoakSequence([",
    ]
    lines += steps.map { "    \($0)," }
    lines += [
      "  ]).run()",
      "  #expect(violation == nil, \"\\(violation.map(String.init(describing:)) ?? \"\")\")",
      "}",
    ]
    return lines.joined(separator: "\n")
  }
}
