import CoreMetrics
import Synchronization

/// A metrics backend about as cheap as one can be: every handler adds to one atomic. The controller-overhead
/// benchmarks run a controller with it beside one without metrics, so the figures show what the controller's own
/// metric bookkeeping costs when an application turns metrics on (a real backend adds its own cost on top).
public final class TallyingMetricsFactory: MetricsFactory, Sendable {
  /// A handler for every kind of metric: values are summed, nothing else is kept.
  final class Tally: CounterHandler, RecorderHandler, TimerHandler, MeterHandler, Sendable {
    let sum = Atomic<Int64>(0)

    func increment(by amount: Int64) { sum.add(amount, ordering: .relaxed) }
    func reset() { sum.store(0, ordering: .relaxed) }
    func record(_ value: Int64) { sum.add(value, ordering: .relaxed) }
    func record(_ value: Double) { sum.add(Int64(value), ordering: .relaxed) }
    func recordNanoseconds(_ duration: Int64) { sum.add(duration, ordering: .relaxed) }
    func set(_ value: Int64) { sum.store(value, ordering: .relaxed) }
    func set(_ value: Double) { sum.store(Int64(value), ordering: .relaxed) }
    func increment(by amount: Double) { sum.add(Int64(amount), ordering: .relaxed) }
    func decrement(by amount: Double) { sum.subtract(Int64(amount), ordering: .relaxed) }
  }

  private let made = Atomic<Int>(0)

  /// A factory with nothing made yet.
  public init() {}

  /// How many metric objects the controller asked for: it should make each once and keep it.
  public var handlersMade: Int { made.load(ordering: .relaxed) }

  private func make() -> Tally {
    made.add(1, ordering: .relaxed)
    return Tally()
  }

  /// A counter that sums its increments.
  public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { make() }

  /// A recorder that sums its values.
  public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
    make()
  }

  /// A timer that sums its durations.
  public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { make() }

  /// A meter that keeps its value.
  public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { make() }

  /// Nothing to release.
  public func destroyCounter(_ handler: any CounterHandler) {}

  /// Nothing to release.
  public func destroyRecorder(_ handler: any RecorderHandler) {}

  /// Nothing to release.
  public func destroyTimer(_ handler: any TimerHandler) {}

  /// Nothing to release.
  public func destroyMeter(_ handler: any MeterHandler) {}
}
