import DomZeroProcess

/// The driver's options from dom0's kernel command line (run.sh's `DOM0_EXTRA`), for local iteration:
///
///     rx.guests=pv,pvh,throw      which of the lab's guests to start (default: all)
///     rx.measure=brief|full       the measurement budgets below as a set (default brief; see `Measurement`)
///     rx.blocks=N                 blocks of 10 checkpoint cycles per tool (default 5)
///     rx.pvhvm-blocks=N rx.pvhvm-block=N   PVHVM's blocks (default 2 blocks of 5 cycles per tool)
///     rx.pause-cycles=N           cycles per tool of the paced pause comparison (brief 30, full 200)
///     rx.pause-budget=S           seconds a guest's paced comparison may take before it stops short (brief 45, full 200)
///     rx.rate-budget=S            seconds each tool's back-to-back loop may take at the paced median (brief 4, full 30)
///     rx.strace-cycles=N          cycles per tool traced with strace -c after the comparison (brief 3, full 10; 0: none)
///     rx.deadline=S               dom0 uptime after which no scenario starts (run.sh sets it from QEMU's timeout)
///     rx.xenstored-lost=0         leave out the last act (killing xenstored while a suspend waits on it)
///
/// A budget given on its own wins over `rx.measure`, wherever it stands on the line.
public struct Dom0Options: Sendable {
  /// How much a boot measures.
  public enum Measurement: String, Sendable {
    /// Every measurement runs and is judged, with budgets small enough that a lab fits CI's time twice over (a lab
    /// lost to the emulator boots again): CI proves the measurements work, not the figures.
    case brief
    /// The sound comparison of the pause-time issue (200 paced cycles per tool, 30 s rate loops): what the README's
    /// figures come from (`REALXEN_MEASURE=full`), about ten minutes more per lab.
    case full
  }

  /// The guests to start, by name; `nil`: every guest of the lab.
  public var guests: [String]?
  /// The set the budgets below came from.
  public private(set) var measurement = Measurement.brief
  /// Blocks of 10 checkpoint cycles per tool on a main guest.
  public var blocks = 5
  /// PVHVM's blocks per tool (a PVHVM suspend takes seconds under this emulation).
  public var pvhvmBlocks = 2
  /// PVHVM's block size.
  public var pvhvmBlock = 5
  /// Cycles per tool of the paced pause comparison.
  public var pauseCycles = 30
  /// Seconds a guest's paced comparison may take; it stops short after the pair under way (a PVHVM cycle takes
  /// seconds under this emulation: 200 pairs would take most of an hour on Xen 4.20).
  public var pauseBudget: Double = 45
  /// Seconds each tool's back-to-back loop should take at the paced comparison's median pause (200 cycles at most).
  public var rateBudget: Double = 4
  /// Cycles per tool traced with `strace -f -c` after the timed comparison, to count system calls; 0: none.
  public var straceCycles = 3
  /// dom0 uptime in seconds after which no scenario starts.
  public var deadline: Double = 100_000
  /// Whether the run ends by killing xenstored under a waiting suspend.
  public var xenstoredLost = true

  /// The defaults: the brief measurement.
  public init() {}

  /// The budgets of `measurement`, the other options unchanged.
  public mutating func measure(_ measurement: Measurement) {
    self.measurement = measurement
    switch measurement {
    case .brief: (pauseCycles, pauseBudget, rateBudget, straceCycles) = (30, 45, 4, 3)
    case .full: (pauseCycles, pauseBudget, rateBudget, straceCycles) = (200, 200, 30, 10)
    }
  }

  /// The options in `commandLine` (the text of /proc/cmdline); unknown words are ignored, the last of a repeated
  /// option wins, and a budget given on its own wins over `rx.measure`.
  public init(commandLine: String) {
    var words: [(key: Substring, value: String)] = []
    for word in commandLine.split(whereSeparator: \.isWhitespace) {
      guard word.hasPrefix("rx."), let equals = word.firstIndex(of: "=") else { continue }
      let key = word[word.index(word.startIndex, offsetBy: 3)..<equals]
      words.append((key, String(word[word.index(after: equals)...])))
    }
    if let set = words.compactMap({ $0.key == "measure" ? Measurement(rawValue: $0.value) : nil }).last {
      measure(set)
    }
    for (key, value) in words {
      switch key {
      case "guests": guests = value.split(separator: ",").map(String.init)
      case "blocks": blocks = Int(value) ?? blocks
      case "pvhvm-blocks": pvhvmBlocks = Int(value) ?? pvhvmBlocks
      case "pvhvm-block": pvhvmBlock = Int(value) ?? pvhvmBlock
      case "pause-cycles": pauseCycles = Int(value) ?? pauseCycles
      case "pause-budget": pauseBudget = Double(value) ?? pauseBudget
      case "rate-budget": rateBudget = Double(value) ?? rateBudget
      case "strace-cycles": straceCycles = Int(value) ?? straceCycles
      case "deadline": deadline = Double(value) ?? deadline
      case "xenstored-lost": xenstoredLost = value != "0"
      default: continue
      }
    }
  }

  /// The options of this boot.
  public static func fromKernel() -> Dom0Options {
    Dom0Options(commandLine: FileTail.read("/proc/cmdline", maxBytes: 4096) ?? "")
  }
}
